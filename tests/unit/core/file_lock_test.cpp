// File locks: one holder at a time, across threads and processes; a waiter is told it waits,
// then gets the lock once the holder lets go.
#include "core/file_lock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/private_folder.hpp"

namespace hurdle {
namespace {

TEST(FileLock, OneHolderAtATime) {
  PrivateFolder dir("file-lock");
  const auto file = dir / "locks" / "image.lock";  // the folder is made
  {
    FileLock held = FileLock::acquire(file);
    EXPECT_FALSE(FileLock::try_acquire(file).has_value());
  }
  EXPECT_TRUE(FileLock::try_acquire(file).has_value());
}

// Each acquire opens the file anew: a separate open file description, which flock treats as
// another holder whether it is in this process or another one (a forked child would inherit
// the parent's description, and with it the lock, so a thread is the honest second holder).
TEST(FileLock, ASecondHolderIsToldItWaitsAndGetsTheLockWhenTheFirstLetsGo) {
  PrivateFolder dir("file-lock");
  const auto file = dir / "image.lock";
  auto held = std::make_unique<FileLock>(FileLock::acquire(file));
  std::atomic<bool> waiting{false};
  std::atomic<bool> got{false};
  std::thread second([&] {
    FileLock mine = FileLock::acquire(file, [&] { waiting = true; });
    got = true;
  });
  for (int i = 0; i < 500 && !waiting; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_TRUE(waiting.load());
  EXPECT_FALSE(got.load());
  held.reset();
  second.join();
  EXPECT_TRUE(got.load());
}

}  // namespace
}  // namespace hurdle
