#include "suite/step_names.hpp"

#include <re2/re2.h>

#include <filesystem>

#include "core/name_rules.hpp"

namespace hurdle {

std::string end_state_tag(std::size_t scenario_index) {
  return "end-" + std::to_string(scenario_index);
}

std::optional<std::string> snapshot_tag_problem(const std::string& tag, bool saving) {
  if (!valid_name(tag, NameDots::kAllowed))
    return "expected a snapshot tag of 1 to " + std::to_string(kMaxNameLength) +
           " letters, digits, '_', '.' or '-', found '" + tag + "'";
  if (RE2::FullMatch(tag, R"(end-\d+)"))
    return "the tag '" + tag + "' is the runner's own (a chained scenario's start); choose another";
  if (saving && tag == kPristineTag)
    return std::string("the tag '") + kPristineTag + "' is the runner's own; choose another";
  return std::nullopt;
}

std::optional<std::string> test_name_problem(const std::string& name, bool scenario) {
  const char* what = scenario ? "a scenario name" : "a suite name";
  if (!valid_name(name))
    return std::string("expected ") + what + " of 1 to " + std::to_string(kMaxNameLength) +
           " letters, digits, '_' or '-' (not starting with '-'), found '" + name + "'";
  if (name.rfind("DISABLED_", 0) == 0)
    return std::string("expected ") + what +
           " that does not start with DISABLED_ (GoogleTest would never run it), found '" + name +
           "'";
  if (scenario && (name == "machine" || name == "provision"))
    return "the scenario name '" + name +
           "' is the name of the machine's own report folder; choose another";
  return std::nullopt;
}

std::optional<std::string> report_file_problem(const std::string& path) {
  const std::filesystem::path p(path);
  if (path.empty()) return "expected a file name, found nothing";
  if (p.is_absolute())
    return "expected a path inside the scenario's report folder, found the absolute path '" + path +
           "'";
  for (const auto& part : p) {
    const std::string name = part.string();
    if (name == ".." || name == "." || name.empty())
      return "expected a path inside the scenario's report folder without '.' or '..', found '" +
             path + "'";
  }
  return std::nullopt;
}

}  // namespace hurdle
