#include "run/gtest_registration.hpp"

#include <gtest/gtest.h>

#include "core/safe_text.hpp"

namespace hurdle {

namespace {

class ScenarioTest : public ::testing::Test {
 public:
  ScenarioTest(SuiteRunner& runner, std::size_t index, RunObserver* observer)
      : runner_(runner), index_(index), observer_(observer) {}

  void TestBody() override {
    RunObserver nobody;
    ScenarioResult r;
    try {
      r = runner_.run_scenario(index_, observer_ != nullptr ? *observer_ : nobody);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "reporting the scenario failed: " << e.what();
      return;
    }
    RecordProperty("attempts", r.attempts);
    switch (r.status) {
      case Verdict::kPassed:
        return;
      case Verdict::kFlaky:
        RecordProperty("flaky", "true");
        return;
      case Verdict::kFailed:
      case Verdict::kError:
      case Verdict::kSkipped:  // run_scenario() never says so
        ADD_FAILURE_AT(r.where.file.string().c_str(), static_cast<int>(r.where.line))
            << (r.status == Verdict::kError ? "[error] " : "") << r.error_kind << ": "
            << safe_text(r.message);
        return;
    }
  }

 private:
  SuiteRunner& runner_;
  std::size_t index_;
  RunObserver* observer_;
};

// GoogleTest skips the tests after the first failure under --gtest_fail_fast without running
// them: TestBody never sees them. This listener gives the observer a kSkipped result for each
// of this runner's scenarios that ends that way, so reports still list every selected scenario.
class SkippedScenarioListener : public ::testing::EmptyTestEventListener {
 public:
  SkippedScenarioListener(SuiteRunner& runner, RunObserver& observer)
      : runner_(runner), observer_(observer) {}

  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (info.result()->Failed()) {
      last_failed_ = std::string(info.test_suite_name()) + "." + info.name();
      return;
    }
    if (!info.result()->Skipped() || runner_.suite().name != info.test_suite_name()) return;
    const auto& scenarios = runner_.suite().scenarios;
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      if (scenarios[i].name != info.name()) continue;
      observer_.scenario_finished(
          runner_.suite(), scenarios[i],
          runner_.skipped_result(
              i, last_failed_.empty()
                     ? std::string("not run: GoogleTest skipped it")
                     : "not run: the run stopped at the first failure (--gtest_fail_fast), " +
                           last_failed_));
      return;
    }
  }

 private:
  SuiteRunner& runner_;
  RunObserver& observer_;
  std::string last_failed_;  // "suite.scenario" of the latest failed test
};

}  // namespace

void register_scenarios(SuiteRunner& runner, const std::vector<std::size_t>& indices,
                        RunObserver* observer) {
  const Suite& suite = runner.suite();
  runner.plan(indices);  // only the end states these continue are kept
  for (const std::size_t i : indices) {
    const Scenario& sc = suite.scenarios.at(i);
    ::testing::RegisterTest(suite.name.c_str(), sc.name.c_str(), nullptr, nullptr,
                            sc.where.file.string().c_str(), static_cast<int>(sc.where.line),
                            [&runner, i, observer]() -> ::testing::Test* {
                              return new ScenarioTest(runner, i, observer);
                            });
  }
  if (observer != nullptr) {
    // GoogleTest owns and deletes its listeners.
    ::testing::UnitTest::GetInstance()->listeners().Append(
        new SkippedScenarioListener(runner, *observer));
  }
}

}  // namespace hurdle
