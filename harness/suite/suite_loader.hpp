// Reads and validates a suite file completely before any VM starts: structure, unknown keys
// (typos never pass), step names, types, regexes (RE2), variables (each ${name} must be defined
// by the suite or captured by an earlier step), the machine profile. Every problem is a
// ConfigError naming file, line and column and what was expected. Used by `hurdle run` and
// `hurdle validate`.
#pragma once

#include <filesystem>
#include <vector>

#include "suite/suite.hpp"

namespace hurdle {

// `profile_path`: folders searched for the suite's `machine:` by name, after the suite's own
// folder's ../fixtures/machines and HURDLE_PROFILE_PATH.
Suite load_suite(const std::filesystem::path& file,
                 const std::vector<std::filesystem::path>& profile_path = {});

}  // namespace hurdle
