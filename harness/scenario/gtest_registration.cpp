#include "scenario/gtest_registration.hpp"

#include <gtest/gtest.h>

namespace hurdle {

namespace {

class ScenarioTest : public ::testing::Test {
 public:
  ScenarioTest(SuiteRunner& runner, std::size_t index, ScenarioObserver observer)
      : runner_(runner), index_(index), observer_(std::move(observer)) {}

  void TestBody() override {
    const Scenario& sc = runner_.suite().scenarios[index_];
    const ScenarioResult r = runner_.run_scenario(index_);
    if (observer_) observer_(runner_, sc, r);
    RecordProperty("attempts", r.attempts);
    switch (r.status) {
      case ScenarioStatus::kPassed:
        return;
      case ScenarioStatus::kFlaky:
        RecordProperty("flaky", "true");
        return;
      case ScenarioStatus::kFailed:
      case ScenarioStatus::kError:
        ADD_FAILURE_AT(r.where.file.string().c_str(), static_cast<int>(r.where.line))
            << (r.status == ScenarioStatus::kError ? "[error] " : "") << r.error_kind << ": "
            << r.message;
        return;
    }
  }

 private:
  SuiteRunner& runner_;
  std::size_t index_;
  ScenarioObserver observer_;
};

}  // namespace

void register_scenarios(SuiteRunner& runner, ScenarioObserver observer) {
  const Suite& suite = runner.suite();
  for (std::size_t i = 0; i < suite.scenarios.size(); ++i) {
    const Scenario& sc = suite.scenarios[i];
    ::testing::RegisterTest(suite.name.c_str(), sc.name.c_str(), nullptr, nullptr,
                            sc.where.file.string().c_str(), static_cast<int>(sc.where.line),
                            [&runner, i, observer]() -> ::testing::Test* {
                              return new ScenarioTest(runner, i, observer);
                            });
  }
}

}  // namespace hurdle
