// `hurdle run -j N`: runs a suite's scenarios on N worker threads, one lane each (a lane is a
// clone of the suite's template at a time), while the run loop asks for the results one by
// one in the run's order. A group (a scenario and those chained after it) runs whole on one worker,
// in order; groups are taken in the run's order as workers come free. Used by SuiteRunner.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "engine/suite_runner.hpp"

namespace hurdle {

class ScenarioPool {
 public:
  // Runs scenario `index` on lane `worker`; never throws (SuiteRunner::run_on_lane).
  using Run = std::function<ScenarioResult(std::size_t worker, std::size_t index)>;

  // Starts `workers` threads at once.
  ScenarioPool(std::size_t workers, std::vector<std::vector<std::size_t>> groups, Run run);
  // Lets the groups in progress finish their current scenario, starts no other, joins.
  ~ScenarioPool();
  ScenarioPool(const ScenarioPool&) = delete;
  ScenarioPool& operator=(const ScenarioPool&) = delete;

  // Waits for scenario `index`'s result and takes it. Throws Error when `index` was not
  // given, or its result was taken already.
  ScenarioResult take(std::size_t index);
  // No group starts from now on; a group in progress stops after its current scenario.
  void stop();

 private:
  void work(std::size_t worker);

  Run run_;
  std::vector<std::vector<std::size_t>> groups_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::size_t next_group_ = 0;
  bool stopping_ = false;
  std::map<std::size_t, ScenarioResult> results_;  // done, not taken
  std::map<std::size_t, bool> expected_;           // index -> taken
  std::set<std::size_t> running_;                  // on a worker now
  std::vector<std::thread> threads_;               // last: joined before the rest goes
};

}  // namespace hurdle
