// The SSH side of Machine against the linux-mini guest's real dropbear, under TCG: commands,
// exit statuses, time-outs, file transfer, host-key pinning, ssh.log, and the ephemeral key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <fstream>
#include <random>
#include <thread>

#include "core/error.hpp"
#include "machine/machine.hpp"
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
using test::write_random_file;
using ::testing::HasSubstr;

// One booted linux-mini for the tests of this suite (a boot costs ~3 s under TCG), started by
// the first test that runs; its logs are named after that test, so that CTest's one process per
// test, in parallel, never shares a log folder. Without its command channel: these tests are of
// SSH, which Machine::run then uses.
class SshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (vm_ != nullptr) return;
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    vm_ = test::linux_mini_without_channel(machine_options("ssh-" + name)).release();
    vm_->wait_for_boot();
  }
  static void TearDownTestSuite() {
    delete vm_;
    vm_ = nullptr;
  }
  static Machine* vm_;
};
Machine* SshTest::vm_ = nullptr;

TEST_F(SshTest, UnameOverSshMatchesTheGuestKernel) {
  const std::string release = vm_->succeed("uname -r");
  // The kernel the guest was built with: fixtures/guests/linux-mini/build records its version.
  const std::string kernel = read_file(test::guest_dir("linux-mini") / "kernel.release");
  EXPECT_EQ(release, kernel);
  EXPECT_EQ(vm_->succeed("echo $((6*7))"), "42\n");
}

TEST_F(SshTest, SucceedThrowsWithStatusStdoutAndStderr) {
  try {
    vm_->succeed("echo to-out; echo to-err >&2; false");
    FAIL() << "expected CommandFailed";
  } catch (const CommandFailed& e) {
    EXPECT_EQ(e.result().exit_status, 1);
    EXPECT_EQ(e.result().out, "to-out\n");
    EXPECT_EQ(e.result().err, "to-err\n");
    const std::string what = e.what();
    EXPECT_NE(what.find("exited with status 1"), std::string::npos) << what;
    EXPECT_NE(what.find("to-err"), std::string::npos) << what;
  }
  const auto failed = vm_->fail("exit 3");
  EXPECT_EQ(failed.exit_status, 3);
  EXPECT_THROW(vm_->fail("true"), CommandFailed);
}

TEST_F(SshTest, StdoutAndStderrStayApart) {
  const auto r = vm_->run("echo a; echo b >&2; echo c; exit 7");
  EXPECT_EQ(r.exit_status, 7);
  EXPECT_EQ(r.out, "a\nc\n");
  EXPECT_EQ(r.err, "b\n");
}

TEST_F(SshTest, ACommandPastItsTimeoutIsStoppedAndNamed) {
  try {
    vm_->run("sleep 37", 2s);
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("`sleep 37` did not finish within 2.00 s"),
              std::string::npos)
        << e.what();
  }
  // The sleep was killed, and the session still works.
  EXPECT_EQ(vm_->wait_until_succeeds("! ps | grep -v grep | grep -q 'sleep 37'", 10s), "");
}

TEST_F(SshTest, PutAndGetRoundTripWithModesAndChecksums) {
  const fs::path dir = vm_->log_dir() / "files";
  fs::create_directories(dir);
  for (const std::size_t size : {std::size_t{1} << 20, std::size_t{32} << 20}) {
    const fs::path local = dir / ("up-" + std::to_string(size));
    const fs::path back = dir / ("down-" + std::to_string(size));
    write_random_file(local, size, static_cast<unsigned>(size));
    fs::permissions(local, fs::perms::owner_read | fs::perms::owner_write | fs::perms::owner_exec |
                               fs::perms::group_read);
    const std::string remote = "/tmp/file " + std::to_string(size);  // a space on purpose
    vm_->put(local, remote);
    // The guest's own checksum, the mode, then the way back.
    const std::string guest_sum = vm_->succeed("sha256sum '" + remote + "' | cut -d' ' -f1");
    EXPECT_EQ(guest_sum, sha256_of(local) + "\n");
    EXPECT_EQ(vm_->succeed("stat -c %a '" + remote + "'"), "740\n");
    vm_->get(remote, back);
    EXPECT_EQ(sha256_of(back), sha256_of(local));
    EXPECT_EQ(fs::status(back).permissions() & fs::perms::mask,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::owner_exec |
                  fs::perms::group_read);
    vm_->succeed("rm -f '" + remote + "'");
  }
}

// Every file in `dir` whose name starts with `prefix`.
std::vector<fs::path> files_starting_with(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().rfind(prefix, 0) == 0) found.push_back(entry.path());
  return found;
}

TEST_F(SshTest, GetOfAMissingFileFailsAndLeavesNothing) {
  const fs::path dir = vm_->log_dir() / "missing";
  fs::create_directories(dir);
  EXPECT_THROW(vm_->get("/no/such/file", dir / "copy"), SshError);
  EXPECT_FALSE(fs::exists(dir / "copy"));
  EXPECT_TRUE(files_starting_with(dir, ".hurdle-get-").empty());
}

// /dev/zero cannot fill the host's disk: past the limit the transfer stops, with an error that
// names the limit, and no file (not even a partial one) is left.
TEST_F(SshTest, GetStopsAtItsSizeLimitAndLeavesNothing) {
  const fs::path dir = vm_->log_dir() / "limit";
  fs::create_directories(dir);
  try {
    vm_->get("/dev/zero", dir / "zeros", std::chrono::seconds(60), 1 << 20);
    FAIL() << "expected an error";
  } catch (const SshError& e) {
    EXPECT_THAT(e.what(), HasSubstr("more than 1048576 bytes, the limit"));
  }
  EXPECT_FALSE(fs::exists(dir / "zeros"));
  EXPECT_TRUE(files_starting_with(dir, ".hurdle-get-").empty());
  EXPECT_EQ(vm_->succeed("echo still here"), "still here\n");  // the session is usable
}

// What the guest says about a file cannot reach beyond its folder: a symlink where the file is
// to go is replaced, not followed, and setuid, setgid and sticky bits are not kept.
TEST_F(SshTest, GetNeverFollowsASymlinkAndDropsSetuidBits) {
  const fs::path dir = vm_->log_dir() / "hostile-get";
  fs::create_directories(dir);
  const fs::path victim = vm_->log_dir() / "victim.txt";
  std::ofstream(victim) << "untouched\n";
  fs::remove(dir / "copy");
  fs::create_symlink(victim, dir / "copy");
  vm_->succeed("echo from-guest > /tmp/suid && chmod 6755 /tmp/suid");
  vm_->get("/tmp/suid", dir / "copy");
  EXPECT_FALSE(fs::is_symlink(dir / "copy"));
  EXPECT_EQ(test::read_file(victim), "untouched\n");
  EXPECT_EQ(test::read_file(dir / "copy"), "from-guest\n");
  EXPECT_EQ(fs::status(dir / "copy").permissions() & fs::perms::mask,
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                fs::perms::others_read | fs::perms::others_exec);
}

// A folder goes in as one tar stream, unpacked by the guest's own tar (busybox here): names,
// modes, a symlink, an empty folder and a big file arrive, .git and *.o are left out; the tree
// comes back the same way, and a symlink the guest plants in it stays a link on the host.
TEST_F(SshTest, AFolderGoesInAndComesBackWithModesAndSymlinks) {
  const fs::path dir = vm_->log_dir() / "tree";
  fs::remove_all(dir);
  const fs::path src = dir / "project";
  fs::create_directories(src / "src" / "deep" / "er");
  fs::create_directories(src / ".git");
  fs::create_directories(src / "empty");
  std::ofstream(src / "src" / "main.c") << "int main(void) { return 0; }\n";
  std::ofstream(src / "src" / "main.o") << "object\n";
  std::ofstream(src / "src" / "deep" / "er" / "name with spaces") << "deep\n";
  std::ofstream(src / ".git" / "HEAD") << "ref\n";
  std::ofstream(src / "run-tests") << "#!/bin/sh\necho ran\n";
  fs::permissions(src / "run-tests", static_cast<fs::perms>(0750));
  fs::create_symlink("src/main.c", src / "main-link");
  write_random_file(src / "blob.bin", 3 << 20, 5);

  vm_->put(src, "/root/project", std::nullopt, {".git", "*.o"});
  EXPECT_EQ(vm_->succeed("cd /root/project && find . | sort"),
            ".\n./blob.bin\n./empty\n./main-link\n./run-tests\n./src\n./src/deep\n"
            "./src/deep/er\n./src/deep/er/name with spaces\n./src/main.c\n");
  EXPECT_EQ(vm_->succeed("stat -c %a /root/project/run-tests"), "750\n");
  EXPECT_EQ(vm_->succeed("readlink /root/project/main-link"), "src/main.c\n");
  EXPECT_EQ(vm_->succeed("/root/project/run-tests"), "ran\n");
  EXPECT_EQ(vm_->succeed("sha256sum /root/project/blob.bin | cut -d' ' -f1"),
            sha256_of(src / "blob.bin") + "\n");
  EXPECT_EQ(vm_->succeed("stat -c %u:%g /root/project/src/main.c"), "0:0\n");  // the SSH user

  // Back, with results the guest made, and a symlink out of the tree it planted.
  vm_->succeed(
      "mkdir -p /root/project/results && echo 'ok 1' > /root/project/results/t.tap && "
      "ln -s /etc /root/project/results/etc-link");
  const fs::path back = dir / "back";
  vm_->get("/root/project", back);
  EXPECT_EQ(read_file(back / "results" / "t.tap"), "ok 1\n");
  EXPECT_EQ(sha256_of(back / "blob.bin"), sha256_of(src / "blob.bin"));
  EXPECT_EQ(fs::status(back / "run-tests").permissions() & fs::perms::mask,
            static_cast<fs::perms>(0750));
  EXPECT_TRUE(fs::is_symlink(back / "results" / "etc-link"));
  EXPECT_EQ(fs::read_symlink(back / "main-link"), "src/main.c");
  EXPECT_TRUE(files_starting_with(dir, ".hurdle-get-").empty());
  const std::string log = read_file(vm_->log_dir() / "ssh.log");
  EXPECT_THAT(log, HasSubstr("put " + src.string() +
                             "/ -> /root/project: 4 files, 4 folders, "
                             "1 symlinks, " +
                             std::to_string((3 << 20) + 29 + 5 + 19) + " bytes (2 excluded)"));
}

// A folder's size limit holds as a file's does: the stream stops, nothing is unpacked.
TEST_F(SshTest, AFolderGetStopsAtItsSizeLimit) {
  const fs::path dir = vm_->log_dir() / "tree-limit";
  fs::remove_all(dir);
  vm_->succeed("mkdir -p /tmp/big && dd if=/dev/zero of=/tmp/big/zeros bs=1M count=3 2>/dev/null");
  try {
    vm_->get("/tmp/big", dir / "big", std::chrono::seconds(60), 1 << 20);
    FAIL() << "expected an error";
  } catch (const SshError& e) {
    EXPECT_THAT(e.what(), HasSubstr("more than 1048576 bytes, the limit"));
  }
  EXPECT_FALSE(fs::exists(dir / "big"));
  EXPECT_TRUE(files_starting_with(dir, ".hurdle-get-").empty());
}

// Output is kept within 8 MiB a stream (its head and its tail), however much the command
// writes; the number of bytes it wrote is still known.
TEST_F(SshTest, CommandOutputIsBoundedButCounted) {
  const CommandResult r =
      vm_->run("head -c 20000000 /dev/zero; echo end", std::chrono::seconds(120));
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.out_bytes, 20000004u);
  EXPECT_LT(r.out.size(), 8u * 1024 * 1024 + 100);
  EXPECT_THAT(r.out, HasSubstr("bytes not kept ...]"));
  EXPECT_EQ(r.out.substr(r.out.size() - 4), "end\n");
}

TEST_F(SshTest, SshLogHasEveryCommandItsStatusAndOutputEnds) {
  vm_->succeed("seq 1 5000");  // ~24 KB of output: only its first and last KB are logged
  const std::string log = read_file(vm_->log_dir() / "ssh.log");
  EXPECT_NE(log.find("$ seq 1 5000\n  status 0 after"), std::string::npos);
  EXPECT_NE(log.find("    | 1\n"), std::string::npos);
  EXPECT_NE(log.find("    | 5000\n"), std::string::npos);
  EXPECT_EQ(log.find("    | 2500\n"), std::string::npos) << "the middle must not be logged";
  EXPECT_NE(log.find("bytes not logged"), std::string::npos);
  EXPECT_NE(log.find("host key ssh-ed25519 SHA256:"), std::string::npos);
}

TEST_F(SshTest, TheHostKeyIsPinnedAndAnotherKeyIsRefused) {
  vm_->ssh();
  const auto pinned = vm_->ssh_host_key_pin().pinned();
  ASSERT_TRUE(pinned.has_value());
  EXPECT_EQ(pinned->type, "ssh-ed25519");
  EXPECT_EQ(read_file(vm_->run_dir() / "ssh-host-key"), pinned->str() + "\n");
  // Pretend an earlier connection saw another key: the next connection must be refused.
  vm_->ssh().disconnect("test: reconnect with a wrong pin");
  vm_->ssh_host_key_pin().reset_to(HostKey{"ssh-ed25519", "SHA256:not-the-guest-key"});
  try {
    vm_->run("true");
    FAIL() << "expected HostKeyChanged";
  } catch (const HostKeyChanged& e) {
    EXPECT_NE(std::string(e.what()).find("SHA256:not-the-guest-key"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(pinned->fingerprint), std::string::npos);
  }
  vm_->ssh_host_key_pin().reset_to(*pinned);
  EXPECT_EQ(vm_->succeed("echo back"), "back\n");
}

TEST_F(SshTest, ThreadsShareTheSessionOneCommandAtATime) {
  std::vector<std::thread> threads;
  std::vector<std::string> wrong(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string word = std::to_string(t) + "-" + std::to_string(i);
        const std::string out = vm_->succeed("echo " + word);
        if (out != word + "\n") wrong[static_cast<std::size_t>(t)] += out;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& w : wrong) EXPECT_EQ(w, "");
}

TEST(SshPassword, APasswordLogsInAndNeverReachesALog) {
  auto options = machine_options("ssh-password");
  MachineProfile profile =
      load_machine_profile(find_machine_profile("linux-mini", options.profile_path));
  const std::string secret = "Tr0ub4dor-hurdle";
  profile.ssh->auth = SshSpec::Auth::kPassword;
  profile.ssh->password = secret;
  profile.command_channel.reset();  // SSH's password at work, not the channel
  auto vm = Machine::start(profile, options);
  vm->wait_for_boot();
  // Give root the password on the console (blank until then), with the terminal's echo off
  // so that the console log does not get it from the test itself.
  vm->login("root", "");
  vm->console().sendline("stty -echo");
  vm->console().expect_prompt(30s);
  vm->console().sendline("sed -i \"s|^root::|root:$(mkpasswd -m sha512 '" + secret +
                         "'):|\" /etc/passwd; stty echo; echo pw-$((1+1))");
  vm->console().expect("pw-2", 30s);
  EXPECT_EQ(vm->succeed("echo secret-ok"), "secret-ok\n");
  vm->run("echo " + secret);  // a command that names the secret is logged redacted
  const std::string log = read_file(vm->log_dir() / "ssh.log");
  EXPECT_NE(log.find("authenticated with a password"), std::string::npos) << log;
  EXPECT_NE(log.find("$ echo ********"), std::string::npos) << log;
  vm.reset();  // flush and close every log
  for (const char* name : {"ssh.log", "machine.log", "console.txt", "console.log", "qmp.log"}) {
    EXPECT_EQ(read_file(options.log_dir / name).find(secret), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace hurdle
