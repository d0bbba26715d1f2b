// Registers each scenario of a suite as a GoogleTest test (testing::RegisterTest): test suite
// = the suite's name, test = the scenario's name, file and line = where the scenario is
// written. So --gtest_filter, --gtest_repeat, --gtest_shuffle, --gtest_list_tests and sharding
// (GTEST_TOTAL_SHARDS, GTEST_SHARD_INDEX) work unchanged. Results are also kept for reports.
#pragma once

#include <functional>

#include "scenario/scenario_filter.hpp"
#include "scenario/suite_runner.hpp"

namespace hurdle {

// Called after each scenario with its result (progress lines, reports), and with a kSkipped
// result for each scenario that GoogleTest skipped without running (--gtest_fail_fast).
using ScenarioObserver = std::function<void(SuiteRunner&, const Scenario&, const ScenarioResult&)>;

// Registers the scenarios `filter` selects; returns how many. `runner` must outlive
// RUN_ALL_TESTS().
std::size_t register_scenarios(SuiteRunner& runner, ScenarioObserver observer = {},
                               const ScenarioFilter& filter = {});

}  // namespace hurdle
