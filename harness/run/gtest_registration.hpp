// Registers each scenario of a suite as a GoogleTest test (testing::RegisterTest): test suite
// = the suite's name, test = the scenario's name, file and line = where the scenario is
// written. So --gtest_repeat, --gtest_shuffle and --gtest_list_tests work unchanged; which
// scenarios are registered (filters, shards) hurdle decides itself (ScenarioFilter). Results
// are also kept for reports.
#pragma once

#include <functional>
#include <vector>

#include "engine/suite_runner.hpp"

namespace hurdle {

// Called after each scenario with its result (progress lines, reports), and with a kSkipped
// result for each scenario that GoogleTest skipped without running (--gtest_fail_fast).
using ScenarioObserver = std::function<void(SuiteRunner&, const Scenario&, const ScenarioResult&)>;

// Registers the runner's scenarios at `indices` (in its suite), in that order. `runner` must
// outlive RUN_ALL_TESTS().
void register_scenarios(SuiteRunner& runner, const std::vector<std::size_t>& indices,
                        ScenarioObserver observer = {});

}  // namespace hurdle
