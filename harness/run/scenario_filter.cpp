#include "run/scenario_filter.hpp"

#include <fnmatch.h>

#include <charconv>

#include "core/error.hpp"

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

// A whole number made of digits only, or nothing.
std::optional<std::size_t> number(std::string_view text) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return {};
  return value;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  const auto index = number(std::string_view(text).substr(0, slash));
  const auto count =
      slash == std::string::npos ? std::nullopt : number(std::string_view(text).substr(slash + 1));
  if (!index || !count || *count == 0 || *index >= *count)
    throw ConfigError(
        {}, "expected a shard as INDEX/COUNT with 0 <= INDEX < COUNT, such as 0/4; found '" + text +
                "'");
  return {*index, *count};
}

ScenarioFilter::ScenarioFilter(const std::string& include, const std::string& exclude,
                               std::optional<Shard> shard)
    : include_(patterns(include)), exclude_(patterns(exclude)), shard_(shard) {}

bool ScenarioFilter::selects(const std::string& suite, const std::string& scenario) const {
  const std::string name = suite + "." + scenario;
  return (include_.empty() || any_matches(include_, name)) && !any_matches(exclude_, name);
}

std::vector<SelectedScenario> ScenarioFilter::select(const std::vector<Suite>& suites) const {
  std::vector<SelectedScenario> chosen;
  std::size_t groups = 0;  // among the groups the patterns select, numbered from 0
  for (std::size_t s = 0; s < suites.size(); ++s) {
    const auto& scenarios = suites[s].scenarios;
    // Each selected scenario's group: its predecessor's when it is chained to a selected one
    // (it starts where that one ended: they share a shard), else a new one.
    std::vector<std::optional<std::size_t>> group(scenarios.size());
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      const Scenario& sc = scenarios[i];
      if (!selects(suites[s].name, sc.name)) continue;
      if (sc.after && *sc.after < i && group[*sc.after])
        group[i] = group[*sc.after];
      else
        group[i] = groups++;
      if (!shard_ || *group[i] % shard_->count == shard_->index) chosen.push_back({s, i});
    }
  }
  return chosen;
}

}  // namespace hurdle
