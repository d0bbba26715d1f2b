// Run folders: private, removed with the object, and when a run was killed before it could
// remove its own, swept by the next one once the lock its owner held is free.
#include "core/private_folder.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace hurdle {
namespace {

namespace fs = std::filesystem;

fs::path fresh_base(const std::string& name) {
  const fs::path base = fs::temp_directory_path() / ("hurdle-run-directory-test-" + name);
  fs::remove_all(base);
  fs::create_directories(base);
  return base;
}

TEST(PrivateFolder, PrivateLockedAndRemovedWithTheObject) {
  const fs::path base = fresh_base("own");
  fs::path made;
  {
    PrivateFolder dir("machine", base);
    made = dir.path();
    EXPECT_EQ(made.parent_path(), base);
    EXPECT_EQ(fs::status(made).permissions() & fs::perms::all, fs::perms::owner_all);
    // Alive: its owner holds the lock, so a sweep leaves it alone.
    EXPECT_EQ(PrivateFolder::sweep(base), 0u);
    EXPECT_TRUE(fs::exists(made));
  }
  EXPECT_FALSE(fs::exists(made));
}

TEST(PrivateFolder, FoldersOfDeadRunsAreSweptOthersAreLeftAlone) {
  const fs::path base = fresh_base("sweep");
  // A killed run's folder: its owner.lock is there and nobody holds it.
  fs::create_directories(base / "hurdle-linux-mini-dead01");
  std::ofstream(base / "hurdle-linux-mini-dead01" / "owner.lock");
  std::ofstream(base / "hurdle-linux-mini-dead01" / "hd0.overlay.qcow2") << "big";
  // A live run's folder, whose lock is held (here, by this test).
  fs::create_directories(base / "hurdle-linux-mini-alive1");
  auto held = FileLock::acquire(base / "hurdle-linux-mini-alive1" / "owner.lock");
  // Folders that are not run folders, or are still being made (no owner.lock yet).
  fs::create_directories(base / "hurdle-being-made");
  fs::create_directories(base / "something-else");
  std::ofstream(base / "something-else" / "owner.lock");

  PrivateFolder next("gnumach", base);  // sweeps first
  EXPECT_FALSE(fs::exists(base / "hurdle-linux-mini-dead01"));
  EXPECT_TRUE(fs::exists(base / "hurdle-linux-mini-alive1"));
  EXPECT_TRUE(fs::exists(base / "hurdle-being-made"));
  EXPECT_TRUE(fs::exists(base / "something-else"));
  EXPECT_TRUE(fs::exists(next.path()));
}

}  // namespace
}  // namespace hurdle
