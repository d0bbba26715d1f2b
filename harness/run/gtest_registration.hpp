// For a C++ test program that runs a suite's scenarios among its own GoogleTest tests: each
// scenario registered as a test (testing::RegisterTest): test suite = the suite's name, test =
// the scenario's name, file and line = where the scenario is written, so that GoogleTest's
// flags apply. An adapter over the engine, as `hurdle run`'s own loop (run/suite_run) is:
// the runner tells the observer the same things.
#pragma once

#include <vector>

#include "engine/suite_runner.hpp"

namespace hurdle {

// Registers the runner's scenarios at `indices` (in its suite), in that order. `runner` and
// `observer` must outlive RUN_ALL_TESTS(); `observer` is told what the runner tells, and a
// kSkipped result for each scenario GoogleTest skipped without running (--gtest_fail_fast).
void register_scenarios(SuiteRunner& runner, const std::vector<std::size_t>& indices,
                        RunObserver* observer = nullptr);

}  // namespace hurdle
