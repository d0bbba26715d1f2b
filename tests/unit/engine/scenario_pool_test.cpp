// ScenarioPool with a stand-in for the runner: groups stay whole and in order on one worker,
// groups run at once on different workers, results come by index whatever the order, and a
// pool stopped early ends its waiters with an error instead of leaving them blocked.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "engine/scenario_pool.hpp"

namespace hurdle {
namespace {

using namespace std::chrono_literals;

ScenarioResult passed(std::size_t index) {
  ScenarioResult r;
  r.status = Verdict::kPassed;
  r.message = "scenario " + std::to_string(index);
  return r;
}

TEST(ScenarioPool, AGroupRunsInOrderOnOneWorkerAndResultsComeByIndex) {
  std::mutex mutex;
  std::map<std::size_t, std::size_t> worker_of;
  std::vector<std::size_t> order;
  ScenarioPool pool(2, {{0, 2, 4}, {1}, {3}}, [&](std::size_t worker, std::size_t index) {
    std::this_thread::sleep_for(5ms);
    std::lock_guard lock(mutex);
    worker_of[index] = worker;
    order.push_back(index);
    return passed(index);
  });
  // Taken in another order than they run.
  for (const std::size_t i : {4u, 1u, 0u, 3u, 2u})
    EXPECT_EQ(pool.take(i).message, "scenario " + std::to_string(i));
  EXPECT_EQ(worker_of[0], worker_of[2]);
  EXPECT_EQ(worker_of[2], worker_of[4]);
  std::vector<std::size_t> chain;
  for (const std::size_t i : order)
    if (i % 2 == 0) chain.push_back(i);
  EXPECT_EQ(chain, (std::vector<std::size_t>{0, 2, 4}));
  EXPECT_THROW((void)pool.take(4), Error);  // taken already
  EXPECT_THROW((void)pool.take(9), Error);  // never given
}

// Two groups, each waiting until the other has started: only two workers at once get through.
TEST(ScenarioPool, GroupsOnDifferentWorkersRunAtTheSameTime) {
  std::mutex mutex;
  std::condition_variable changed;
  std::set<std::size_t> started;
  std::atomic<bool> met{true};
  ScenarioPool pool(2, {{0}, {1}}, [&](std::size_t, std::size_t index) {
    std::unique_lock lock(mutex);
    started.insert(index);
    changed.notify_all();
    if (!changed.wait_for(lock, 10s, [&] { return started.size() == 2; })) met = false;
    return passed(index);
  });
  (void)pool.take(0);
  (void)pool.take(1);
  EXPECT_TRUE(met) << "the second group did not start while the first ran";
}

TEST(ScenarioPool, AStoppedPoolEndsWaitersWithAnError) {
  std::atomic<bool> release{false};
  ScenarioPool pool(1, {{0}, {1}}, [&](std::size_t, std::size_t index) {
    while (!release) std::this_thread::sleep_for(1ms);
    return passed(index);
  });
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    pool.stop();
    release = true;
  });
  // Scenario 0 was running: it finishes; scenario 1 never starts.
  EXPECT_EQ(pool.take(0).message, "scenario 0");
  EXPECT_THROW((void)pool.take(1), Error);
  stopper.join();
}

}  // namespace
}  // namespace hurdle
