#include "scenario/scenario_filter.hpp"

#include <fnmatch.h>

namespace hurdle {

namespace {

std::vector<std::string> patterns(const std::string& list) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from <= list.size()) {
    const std::size_t colon = std::min(list.find(':', from), list.size());
    if (colon > from) out.push_back(list.substr(from, colon - from));
    from = colon + 1;
  }
  return out;
}

bool any_matches(const std::vector<std::string>& globs, const std::string& name) {
  for (const auto& glob : globs)
    if (::fnmatch(glob.c_str(), name.c_str(), 0) == 0) return true;
  return false;
}

}  // namespace

ScenarioFilter::ScenarioFilter(const std::string& include, const std::string& exclude)
    : include_(patterns(include)), exclude_(patterns(exclude)) {}

bool ScenarioFilter::selects(const std::string& suite, const std::string& scenario) const {
  const std::string name = suite + "." + scenario;
  return (include_.empty() || any_matches(include_, name)) && !any_matches(exclude_, name);
}

}  // namespace hurdle
