// GoogleTest's flags, as people who ran scenarios as GoogleTest tests typed them, taken as the
// fields of a run that mean the same: --gtest_list_tests (list), --gtest_repeat=N,
// --gtest_shuffle, --gtest_random_seed=N, --gtest_fail_fast, --gtest_also_run_disabled_tests
// (nothing is disabled), --gtest_brief and --gtest_color (no effect on hurdle's lines). Any
// other is refused with what to use instead: --gtest_filter's syntax cannot hold hurdle's
// names (--filter, --exclude), and hurdle writes its own JUnit (--junit).
#pragma once

#include <string>

#include "run/suite_run.hpp"

namespace hurdle {

// Applies `flag` to `request`; throws ConfigError naming the flag and what to use otherwise.
void apply_gtest_flag(RunRequest& request, const std::string& flag);

}  // namespace hurdle
