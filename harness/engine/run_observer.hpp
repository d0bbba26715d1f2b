// What the engine tells while it runs (ninja's BuildStatus): a suite's facts once they are
// known, each scenario as it starts and as it ends. Progress lines, the run's events, GitHub
// annotations, the JUnit recorder and `hurdle exec` are observers; none of them asks a
// machine anything, so what they write depends only on what they were told. Every call comes
// from the thread that runs the suite (never a lane's), in the run's order, so that `-j N`
// tells exactly what `-j 1` tells.
#pragma once

#include <vector>

#include "engine/scenario_result.hpp"
#include "engine/suite_facts.hpp"
#include "suite/suite.hpp"

namespace hurdle {

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // What is known of the suite's machine: told before the result of the first scenario that
  // knew it, and again when more is known (a machine booted after the first one failed).
  virtual void suite_facts(const Suite& /*suite*/, const SuiteFacts& /*facts*/) {}
  virtual void scenario_started(const Suite& /*suite*/, const Scenario& /*scenario*/) {}
  // Also told for a selected scenario that never ran (kSkipped: the run stopped first).
  virtual void scenario_finished(const Suite& /*suite*/, const Scenario& /*scenario*/,
                                 const ScenarioResult& /*result*/) {}
};

// Tells every observer added, in the order they were added. Not an owner.
class RunObservers : public RunObserver {
 public:
  void add(RunObserver& observer) { observers_.push_back(&observer); }
  void suite_facts(const Suite& suite, const SuiteFacts& facts) override {
    for (auto* o : observers_) o->suite_facts(suite, facts);
  }
  void scenario_started(const Suite& suite, const Scenario& scenario) override {
    for (auto* o : observers_) o->scenario_started(suite, scenario);
  }
  void scenario_finished(const Suite& suite, const Scenario& scenario,
                         const ScenarioResult& result) override {
    for (auto* o : observers_) o->scenario_finished(suite, scenario, result);
  }

 private:
  std::vector<RunObserver*> observers_;
};

}  // namespace hurdle
