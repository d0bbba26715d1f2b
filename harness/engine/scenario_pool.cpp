#include "engine/scenario_pool.hpp"

#include "core/error.hpp"

namespace hurdle {

ScenarioPool::ScenarioPool(std::size_t workers, std::vector<std::vector<std::size_t>> groups,
                           Run run)
    : run_(std::move(run)), groups_(std::move(groups)) {
  for (const auto& group : groups_)
    for (const std::size_t index : group) expected_[index] = false;
  for (std::size_t w = 0; w < workers; ++w) threads_.emplace_back([this, w] { work(w); });
}

ScenarioPool::~ScenarioPool() {
  stop();
  for (auto& t : threads_) t.join();
}

void ScenarioPool::stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  done_.notify_all();
}

void ScenarioPool::work(std::size_t worker) {
  for (;;) {
    std::vector<std::size_t> group;
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || next_group_ == groups_.size()) return;
      group = groups_[next_group_++];
    }
    for (const std::size_t index : group) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        running_.insert(index);
      }
      ScenarioResult r = run_(worker, index);
      std::lock_guard lock(mutex_);
      running_.erase(index);
      results_[index] = std::move(r);
      done_.notify_all();
    }
  }
}

ScenarioResult ScenarioPool::take(std::size_t index) {
  std::unique_lock lock(mutex_);
  const auto expected = expected_.find(index);
  if (expected == expected_.end() || expected->second)
    throw Error("scenario " + std::to_string(index) +
                " is not to be run by this pool, or its result was taken already");
  // A scenario in progress when the pool stops still ends; one not started never will.
  done_.wait(
      lock, [&] { return results_.count(index) > 0 || (stopping_ && running_.count(index) == 0); });
  const auto it = results_.find(index);
  if (it == results_.end()) throw Error("the run was stopped before this scenario");
  expected->second = true;
  ScenarioResult r = std::move(it->second);
  results_.erase(it);
  return r;
}

}  // namespace hurdle
