#include "vm/instance_folder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fstream>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "vm/control_channel.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A runtime folder of the test's own.
class InstanceFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = "/tmp/hurdle-instance-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    runtime_ = dir;
    ::setenv("XDG_RUNTIME_DIR", dir.c_str(), 1);
  }
  void TearDown() override { fs::remove_all(runtime_); }
  fs::path runtime_;
};

InstanceRecord running_record(const std::string& name) {
  InstanceRecord r;
  r.name = name;
  r.state = "running";
  r.profile = "linux-mini";
  return r;
}

TEST_F(InstanceFolderTest, TheRecordRoundTripsAndTheFolderIsPrivate) {
  const auto folder = InstanceFolder::named("vm-1");
  auto lock = folder.claim();
  ASSERT_TRUE(lock);
  InstanceRecord r = running_record("vm-1");
  r.supervisor_pid = 10;
  r.qemu_pid = 11;
  r.log_dir = "/logs";
  r.ports = {{"ssh", 2222}, {"gdb", 1234}};
  r.ssh_user = "root";
  folder.write_record(r);
  const auto back = folder.read_record();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to_json(), r.to_json());
  struct stat st {};
  ASSERT_EQ(::stat(folder.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((runtime_ / "hurdle").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(InstanceFolderTest, AFolderIsLiveWhileItsLockIsHeldAndStaleAfter) {
  const auto folder = InstanceFolder::named("vm-2");
  {
    auto lock = folder.claim();
    ASSERT_TRUE(lock);
    folder.write_record(running_record("vm-2"));
    EXPECT_TRUE(folder.live());
    EXPECT_FALSE(folder.claim());  // the name is in use
    EXPECT_FALSE(folder.remove_if_stale());
    const auto listing = list_instances();
    ASSERT_EQ(listing.running.size(), 1u);
    EXPECT_EQ(listing.running[0].name, "vm-2");
  }
  EXPECT_FALSE(folder.live());
  const auto listing = list_instances();
  EXPECT_TRUE(listing.running.empty());
  EXPECT_EQ(listing.removed, std::vector<std::string>{"vm-2"});
  EXPECT_FALSE(folder.exists());
}

// A VM resumed from what `hurdle exec --leave-running` saved owns it: the folder goes with the
// instance, found stale as much as stopped. A record naming anything else removes nothing.
TEST_F(InstanceFolderTest, TheSavedMachineAVmOwnsGoesWithItAndNothingElseDoes) {
  const fs::path owned = runtime_ / kOwnedStateFolder / "vm-3-saved";
  const fs::path elsewhere = runtime_ / "not-hurdles" / "data";
  fs::create_directories(owned);
  fs::create_directories(elsewhere);
  std::ofstream(owned / "machine.state.gz") << "state";
  const std::vector<std::pair<std::string, fs::path>> vms = {{"vm-3", owned}, {"vm-4", elsewhere}};
  for (const auto& [name, state] : vms) {
    const auto folder = InstanceFolder::named(name);
    {
      auto lock = folder.claim();
      ASSERT_TRUE(lock);
      InstanceRecord r = running_record(name);
      r.owned_state = state;
      folder.write_record(r);
      EXPECT_EQ(folder.read_record()->owned_state, state);
    }
    EXPECT_TRUE(folder.remove_if_stale());  // its supervisor is gone (killed)
  }
  EXPECT_FALSE(fs::exists(owned));
  EXPECT_TRUE(fs::exists(elsewhere));
}

TEST_F(InstanceFolderTest, NamesThatCannotBeFoldersOrSocketsAreRefused) {
  for (const char* bad : {"", "../x", "a/b", "-x", ".hidden", "with space"})
    EXPECT_THROW(InstanceFolder::named(bad), ConfigError) << bad;
  EXPECT_THROW(InstanceFolder::named(std::string(49, 'a')), ConfigError);
  EXPECT_NO_THROW(InstanceFolder::named(std::string(48, 'a')));
}

TEST_F(InstanceFolderTest, ARuntimeFolderOthersMayWriteIsMadePrivate) {
  fs::create_directories(runtime_ / "hurdle");
  ::chmod((runtime_ / "hurdle").c_str(), 0777);
  (void)instances_root();
  struct stat st {};
  ASSERT_EQ(::stat((runtime_ / "hurdle").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(ControlChannel, MessagesAreLinesAndGarbageIsAnError) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  ControlChannel a{UniqueFd(fds[0])};
  ControlChannel b{UniqueFd(fds[1])};
  // A guest's bytes in a string stay one line, whatever they are.
  a.send({{"command", "send"}, {"args", {{"text", "line1\nline2\x1b[0m\xff"}}}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  const auto got = b.receive(deadline);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)["command"], "send");
  EXPECT_THAT((*got)["args"]["text"].get<std::string>(), HasSubstr("line1\nline2\x1b[0m"));
  const std::string garbage = "not json\n";
  ASSERT_EQ(::write(fds[1], garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
  EXPECT_THROW((void)a.receive(deadline), Error);
  bool timed_out = false;
  EXPECT_FALSE(
      b.receive(std::chrono::steady_clock::now() + std::chrono::milliseconds(50), &timed_out));
  EXPECT_TRUE(timed_out);
}

}  // namespace
}  // namespace hurdle
