// Snapshots, restores, reboots and the ephemeral SSH key against the linux-mini guest under
// TCG: what a restore brings back (files, SSH, the console, the host-key pin), that the base
// image is never written, and what happens when the guest's sshd dies.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <fstream>

#include "core/error.hpp"
#include "machine/machine.hpp"
#include "ssh/owned_key.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_machine.hpp"

namespace hurdle {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::machine_options;
using test::read_file;
using test::sha256_of;

TEST(Snapshot, RestoreUndoesAFileAndSshComesBackWithTheSameHostKey) {
  auto vm = test::linux_mini_without_channel(machine_options("snapshot-marker"));
  vm->wait_for_boot();
  vm->succeed("true");  // SSH answers before the snapshot, so a restore checks SSH again
  const auto key = vm->ssh_host_key_pin().pinned();
  ASSERT_TRUE(key.has_value());
  vm->snapshot("clean");
  vm->succeed("echo here > /root/marker");
  EXPECT_EQ(vm->succeed("cat /root/marker"), "here\n");

  const RestoreReport report = vm->restore("clean");
  EXPECT_EQ(report.verified_by, "ssh round trip");
  vm->fail("test -e /root/marker");
  EXPECT_EQ(vm->ssh_host_key_pin().pinned(), key);
  // The console is usable again: the guest answers a fresh line with its login prompt.
  vm->console().sendline("");
  vm->console().expect("login: ", 30s);
  EXPECT_NE(std::find(vm->snapshots().begin(), vm->snapshots().end(), "clean"),
            vm->snapshots().end());
}

TEST(Snapshot, FiftyRestoresInARowAllSucceedAndAreTimed) {
  auto vm = Machine::from_profile("linux-mini", machine_options("snapshot-fifty"));
  vm->wait_for_boot();
  vm->succeed("true");
  vm->snapshot("clean");
  std::vector<double> seconds;
  for (int i = 0; i < 50; ++i) {
    vm->succeed("echo " + std::to_string(i) + " > /root/round");
    const auto report = vm->restore("clean");
    EXPECT_EQ(report.verified_by, "channel round trip");
    seconds.push_back(std::chrono::duration<double>(report.load + report.verify).count());
  }
  vm->fail("test -e /root/round");
  std::sort(seconds.begin(), seconds.end());
  RecordProperty("median_restore_seconds", std::to_string(seconds[seconds.size() / 2]));
  // Every restore is in machine.log with its time.
  const std::string log = read_file(vm->log_dir() / "machine.log");
  std::size_t restores = 0;
  for (std::size_t at = log.find("restored clean: load "); at != std::string::npos;
       at = log.find("restored clean: load ", at + 1)) {
    ++restores;
  }
  EXPECT_EQ(restores, 50u);
}

TEST(Snapshot, TheBaseImageIsNeverWritten) {
  const fs::path base = test::guest_dir("linux-mini") / "disk.qcow2";
  const std::string before = sha256_of(base);
  {
    auto vm = Machine::from_profile("linux-mini", machine_options("snapshot-base"));
    vm->wait_for_boot();
    vm->snapshot("clean");
    for (int i = 0; i < 5; ++i) {
      // Write the disk itself, past what any cache keeps, then go back.
      vm->succeed("dd if=/dev/urandom of=/dev/vda bs=64k count=16 seek=" + std::to_string(i) +
                  " conv=fsync 2>/dev/null && sync");
      vm->restore("clean");
    }
    vm->snapshot("second");
    vm->delete_snapshot("second");
    const auto tags = vm->snapshots();
    EXPECT_EQ(std::count(tags.begin(), tags.end(), "second"), 0);
    EXPECT_EQ(std::count(tags.begin(), tags.end(), "clean"), 1);
  }
  EXPECT_EQ(sha256_of(base), before);
}

TEST(Snapshot, AnUnknownTagIsAnErrorNamingIt) {
  auto vm = Machine::from_profile("linux-mini", machine_options("snapshot-unknown"));
  try {
    vm->restore("never-saved");
    FAIL() << "expected QmpError";
  } catch (const QmpError& e) {
    EXPECT_NE(std::string(e.what()).find("never-saved"), std::string::npos) << e.what();
  }
  // QEMU is asked nothing about a tag that is not a name: not a QmpError.
  try {
    vm->snapshot("bad tag");
    FAIL() << "expected an error";
  } catch (const QmpError& e) {
    FAIL() << "a QmpError, though QEMU said nothing: " << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("snapshot tag 'bad tag'"), std::string::npos);
  }
  vm->crash();
}

TEST(Snapshot, DropbearKilledFailsTheNextRunClearlyAndARestoreBringsItBack) {
  auto vm = test::linux_mini_without_channel(machine_options("snapshot-dropbear"));
  vm->wait_for_boot();
  vm->succeed("true");
  vm->snapshot("clean");
  // Kill every dropbear, this session's too: the command itself may or may not report back.
  try {
    vm->run("killall dropbear", 10s);
  } catch (const Error&) {
  }
  const auto t0 = std::chrono::steady_clock::now();
  try {
    vm->run("true", 5s);
    FAIL() << "expected an SSH error";
  } catch (const SshError& e) {
    EXPECT_NE(std::string(e.what()).find("SSH"), std::string::npos) << e.what();
  } catch (const TimeoutError& e) {
    FAIL() << "expected an SshError, got a time-out: " << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 7s)
      << "the failure must come within the time-out";
  const auto report = vm->restore("clean");
  EXPECT_EQ(report.verified_by, "ssh round trip");
  EXPECT_EQ(vm->succeed("echo back"), "back\n");
}

TEST(Snapshot, RebootBringsTheBootMarkersAndSshBack) {
  auto vm = Machine::from_profile("linux-mini", machine_options("reboot"));
  vm->wait_for_boot();
  vm->succeed("echo before > /root/state");
  const auto times = vm->reboot();
  ASSERT_EQ(times.size(), 2u);
  EXPECT_EQ(times[1].name, "login");
  vm->fail("test -e /root/state");  // the root file system is in RAM: gone with the reboot
  const auto hard = vm->reboot(/*hard=*/true);
  EXPECT_EQ(hard.size(), 2u);
  EXPECT_EQ(vm->succeed("echo up"), "up\n");
}

TEST(Snapshot, ScreenshotIsAPng) {
  auto vm = Machine::from_profile("linux-mini", machine_options("screenshot"));
  vm->wait_for_boot();
  const fs::path png = vm->log_dir() / "screen.png";
  vm->screenshot(png);
  const std::string bytes = read_file(png);
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST(EphemeralKey, IsInstalledOverTheConsoleAndUsedForSsh) {
  auto options = machine_options("ephemeral-key");
  const fs::path file = find_machine_profile("linux-mini", options.profile_path);
  MachineProfile profile = load_machine_profile(file);
  profile.ssh->auth = SshSpec::Auth::kEphemeralKey;
  profile.command_channel.reset();  // SSH's key at work, not the channel
  auto vm = Machine::start(profile, options);
  vm->wait_for_boot();
  try {
    vm->run("true");
    FAIL() << "expected SshError before the key is installed";
  } catch (const SshError& e) {
    EXPECT_NE(std::string(e.what()).find("log in on the console first"), std::string::npos);
  }
  vm->login();
  const std::string keys = vm->succeed("cat /root/.ssh/authorized_keys");
  EXPECT_EQ(keys.rfind("ssh-ed25519 ", 0), 0u) << keys;
  EXPECT_NE(keys.find(" hurdle-linux-mini\n"), std::string::npos) << keys;
  const std::string log = read_file(vm->log_dir() / "ssh.log");
  EXPECT_NE(log.find("authenticated with a key"), std::string::npos) << log;
  // No private key material in any log.
  for (const char* name : {"ssh.log", "machine.log", "console.txt", "qmp.log"})
    EXPECT_EQ(read_file(vm->log_dir() / name).find("PRIVATE KEY"), std::string::npos) << name;
}

// A disk hurdle did not prepare (your own image) has no hurdle key: logging in on the console
// installs it, once however often the login comes, and SSH then authenticates with it.
TEST(HurdleKey, IsInstalledOverTheConsoleOnceForADiskWithoutIt) {
  auto options = machine_options("hurdle-key");
  options.images.cache_dir = options.log_dir / "cache";  // a user with no key yet
  const fs::path file = find_machine_profile("linux-mini", options.profile_path);
  MachineProfile profile = load_machine_profile(file);
  profile.ssh->auth = SshSpec::Auth::kHurdleKey;
  profile.command_channel.reset();  // SSH's key at work, not the channel
  auto vm = Machine::start(profile, options);
  vm->wait_for_boot();
  vm->login();
  const std::string line = hurdle_owned_key(*options.images.cache_dir).public_line;
  vm->console().sendline("exit");
  vm->login();  // a second login finds the key there
  const std::string keys = vm->succeed("cat /root/.ssh/authorized_keys");
  EXPECT_EQ(keys, line + "\n");
  const std::string log = read_file(vm->log_dir() / "ssh.log");
  EXPECT_NE(log.find("authenticated with a key"), std::string::npos) << log;
}

}  // namespace
}  // namespace hurdle
