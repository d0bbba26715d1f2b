// The command channel on a real guest (linux-mini keeps a root shell on ttyS1): commands go
// there with no SSH handshake, a restore is proven there and SSH reconnects only when a
// command asks for it, a command past its time-out is interrupted and the channel serves on,
// and a reboot's new shell is asked again. From a suite, each step says which way it went.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "engine/suite_runner.hpp"
#include "machine/machine.hpp"
#include "suite/suite_loader.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_machine.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Over = ExecuteOptions::Over;

TEST(ChannelOnAGuest, CarriesCommandsProvesRestoresAndLeavesSshUntilAsked) {
  auto vm = Machine::from_profile("linux-mini", test::machine_options("channel-machine"));
  vm->wait_for_boot();
  const CommandResult first = vm->execute("echo out; echo err >&2; exit 5");
  EXPECT_EQ(first.over, "channel");
  EXPECT_EQ(first.exit_status, 5);
  EXPECT_EQ(first.out, "out\n");
  EXPECT_EQ(first.err, "err\n");
  EXPECT_EQ(vm->run_over_ssh("true").over, "ssh");  // SSH answered before the snapshot
  vm->snapshot("clean");
  vm->succeed("touch /root/after");

  const RestoreReport report = vm->restore("clean");
  EXPECT_EQ(report.verified_by, "channel round trip");
  EXPECT_FALSE(vm->ssh_ready_after_restore(false).has_value()) << "a reconnect in the background";
  vm->fail("test -e /root/after");
  const CommandResult over_ssh = vm->run_over_ssh("test -e /root/after; echo $?");
  EXPECT_EQ(over_ssh.over, "ssh");
  EXPECT_EQ(over_ssh.out, "1\n");

  // Past its time-out a command is interrupted, and the channel serves on.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(vm->execute("sleep 30", {Over::kChannel, 1s, nullptr}), TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  const CommandResult after = vm->execute("echo on");
  EXPECT_EQ(after.over, "channel");
  EXPECT_EQ(after.out, "on\n");

  // A reboot goes through the channel; the new boot's shell answers the next command.
  vm->reboot();
  EXPECT_EQ(vm->execute("echo again").over, "channel");
}

TEST(ChannelOnAGuest, AGuestWithoutOneIsReachedOverSsh) {
  auto vm = test::linux_mini_without_channel(test::machine_options("channel-none"));
  vm->wait_for_boot();
  EXPECT_EQ(vm->execute("true").over, "ssh");
  try {
    vm->execute("true", {Over::kChannel, 5s, nullptr});
    FAIL() << "a command went over a channel the profile does not have";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has no command channel: add a `command_channel:` section"));
  }
}

TEST(ChannelOnAGuest, EachStepOfASuiteSaysWhichWayItWent) {
  PrivateFolder dir("channel-suite", fs::temp_directory_path());
  RunOptions options;
  options.accel = Accelerator::kTcg;
  options.report_dir = dir.path() / "reports";
  options.boot_cache = false;
  ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
  SuiteRunner runner(load_suite(test::source_dir() / "tests/data/suites/command-channel.yaml"),
                     options);
  const ScenarioResult both = runner.run_scenario(0);
  ASSERT_EQ(both.status, Verdict::kPassed) << both.message;
  ASSERT_EQ(both.steps.size(), 3u);
  EXPECT_EQ(both.steps[0].command->over, "channel");
  EXPECT_EQ(both.steps[1].command->over, "ssh");
  EXPECT_EQ(both.steps[2].command->over, "channel");
  EXPECT_EQ(both.steps[2].command->exit_status, 7);
  const ScenarioResult overdue = runner.run_scenario(1);
  EXPECT_NE(overdue.status, Verdict::kPassed);
  EXPECT_THAT(overdue.message, HasSubstr("did not finish within 1.00 s on the command channel"));
}

}  // namespace
}  // namespace hurdle
