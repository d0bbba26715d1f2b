// The rules for names a suite gives that hurdle also uses itself: snapshot tags (`pristine` and
// the end-state tags are the runner's), scenario names (each scenario's report folder sits
// beside `machine/` and `provision/`; GoogleTest disables names that start with DISABLED_), and
// the files `ssh.get` and `screenshot` write, which must stay inside the scenario's report
// folder. The suite loader checks them as written; the step executor again once captured
// values are expanded.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace hurdle {

inline constexpr const char* kPristineTag = "pristine";

// The runner's tag for the state a passing scenario ends in (for a chained one after it).
[[nodiscard]] std::string end_state_tag(std::size_t scenario_index);

// What is wrong with `tag` for snapshot.save (`saving`) or snapshot.restore, if anything.
[[nodiscard]] std::optional<std::string> snapshot_tag_problem(const std::string& tag, bool saving);

// What is wrong with `name` as a suite or scenario name, if anything.
[[nodiscard]] std::optional<std::string> test_name_problem(const std::string& name, bool scenario);

// What is wrong with `path` as a file in the scenario's report folder, if anything: it must be
// relative, without '..', and of names only (no empty or '.' parts).
[[nodiscard]] std::optional<std::string> report_file_problem(const std::string& path);

}  // namespace hurdle
