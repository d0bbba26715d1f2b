// The hurd-mini guest (fixtures/guests/hurd-mini): real GNU Mach and real Hurd servers, built
// from Debian's sources where the archive serves them (every test here is skipped, saying why,
// where hurd-mini is not built), under TCG with the profile's machine and markers. What hurdle
// claims about a Hurd guest, checked against one: the boot markers in order, a root shell on the
// serial console (the guest has no network: commands go through the console), `uname` and
// `ps`, a snapshot restored into a running Hurd, a template clone of one, a clean `halt` seen
// by power_off and a power_on after it, and GNU Mach's panic on a boot module that is missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "machine/machine.hpp"
#include "machine/machine_template.hpp"
#include "support/boot_cache_cleanup.hpp"
#include "support/hurd_mini.hpp"
#include "support/hurdle_command.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_machine.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::machine_options;
using test::read_file;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> names_of(const std::vector<BootMarkerTime>& times) {
  std::vector<std::string> names;
  for (const auto& t : times) names.push_back(t.name);
  return names;
}

// Each test boots hurd-mini, which exists only where its root filesystem was built.
class HurdMini : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto why = test::hurd_mini_missing(test::guest_dir("hurd-mini").parent_path()))
      GTEST_SKIP() << *why;
  }
};

// Every marker of the hurd-amd64 profile (hurd-mini has the same), in its order.
const std::vector<std::string> kHurdMarkers = {"grub", "gnumach", "hurd-servers", "login"};

TEST_F(HurdMini, BootsThroughEveryHurdMarkerToARootShellOnTheConsole) {
  auto vm = Machine::from_profile("hurd-mini", machine_options("hurd-mini-boot"));
  const auto times = vm->wait_for_boot();
  EXPECT_EQ(names_of(times), kHurdMarkers);
  for (std::size_t i = 1; i < times.size(); ++i) EXPECT_GE(times[i].after, times[i - 1].after);
  // No SSH on this guest: the commands run in the console's shell, logged in on first use.
  EXPECT_EQ(vm->succeed("uname -s"), "GNU\n");
  const std::string uname = vm->succeed("uname -a");
  EXPECT_THAT(uname, HasSubstr("GNU-Mach 1.8"));
  EXPECT_THAT(uname, HasSubstr("/Hurd-0.9"));
  EXPECT_THAT(uname, HasSubstr("x86_64"));
  // The servers the boot started, each a task of its own that proc knows.
  const std::string ps = vm->succeed("ps -e -o pid,args");
  for (const char* server : {"/hurd/startup", "/hurd/proc", "/hurd/auth", "/hurd/exec", "ext2fs",
                             "/hurd/term /dev/console"})
    EXPECT_THAT(ps, HasSubstr(server)) << ps;
  EXPECT_EQ(vm->fail("test -e /no-such-file").exit_status, 1);
  const std::string console = read_file(vm->log_dir() / "console.txt");
  EXPECT_THAT(console, HasSubstr("Hurd server bootstrap: ext2fs[device:rd0] exec startup"));
  const std::string log = read_file(vm->log_dir() / "machine.log");
  EXPECT_THAT(log, HasSubstr("logged in on the console as root"));
  EXPECT_FALSE(vm->console().watcher_hit().has_value());
}

TEST_F(HurdMini, TranslatorsAnswerThroughTheConsole) {
  auto vm = Machine::from_profile("hurd-mini", machine_options("hurd-mini-translators"));
  vm->wait_for_boot();
  vm->succeed("settrans -ac /tmp/hello /hurd/hello");
  EXPECT_EQ(vm->succeed("cat /tmp/hello"), "Hello, world!\n");
  vm->succeed("settrans -ac /tmp/greeting /hurd/hello --contents='hurdle was here'");
  EXPECT_EQ(vm->succeed("cat /tmp/greeting; echo"), "hurdle was here\n");
  EXPECT_EQ(vm->succeed("showtrans /dev/null"), "/hurd/null\n");  // written by the disk build
  vm->succeed("settrans -c /tmp/passive /hurd/hello");
  EXPECT_EQ(vm->succeed("showtrans /tmp/passive"), "/hurd/hello\n");
  EXPECT_EQ(vm->succeed("cat /tmp/passive"), "Hello, world!\n");  // started on first use
  vm->succeed("settrans -g /tmp/hello");
  EXPECT_EQ(vm->succeed("cat /tmp/hello; echo end"), "end\n");
  const std::string options = vm->succeed("fsysopts /");
  EXPECT_THAT(options, HasSubstr("ext2fs"));
  EXPECT_THAT(options, HasSubstr("--writable"));
  EXPECT_THAT(options, HasSubstr("device:rd0"));
}

TEST_F(HurdMini, ASnapshotRestoredIntoTheRunningHurdUndoesAChange) {
  auto vm = Machine::from_profile("hurd-mini", machine_options("hurd-mini-snapshot"));
  vm->wait_for_boot();
  vm->succeed("true");  // logged in: the snapshot holds a shell at its prompt
  vm->snapshot("clean");
  vm->succeed("echo changed > /root/change && settrans -ac /tmp/hello /hurd/hello");
  EXPECT_EQ(vm->succeed("cat /root/change"), "changed\n");
  const RestoreReport report = vm->restore("clean");
  EXPECT_EQ(report.verified_by, "console round trip");
  vm->fail("test -e /root/change");
  vm->fail("test -e /tmp/hello");
  // The servers came back with the RAM: a new translator starts, proc lists it.
  vm->succeed("settrans -ac /tmp/hello /hurd/hello");
  EXPECT_EQ(vm->succeed("cat /tmp/hello"), "Hello, world!\n");
  EXPECT_THAT(vm->succeed("ps -e -o args"), HasSubstr("/hurd/hello"));
}

TEST_F(HurdMini, ATemplateCloneOfTheHurdAnswersOnItsConsoleAndKeepsToItself) {
  PrivateFolder dir("hurd-mini-template");
  MachineOptions o = machine_options("hurd-mini-template");
  o.template_ram = dir.path() / "ram";
  auto vm = Machine::from_profile("hurd-mini", o);
  vm->wait_for_boot();
  vm->succeed("echo template > /root/made-in-template");
  const MachineProfile profile = vm->profile();
  (void)vm->save_template(dir.path() / "template", {}, "");
  const MachineTemplate made = MachineTemplate::open(dir.path() / "template", profile);

  auto first = Machine::clone(made, machine_options("hurd-mini-clone-1"));
  EXPECT_EQ(first->last_restore().verified_by, "console round trip");
  EXPECT_EQ(first->succeed("cat /root/made-in-template"), "template\n");
  // Migrated state, live servers: a translator started in the clone answers, and ps (which
  // asks proc about every task) lists the servers the template's boot started.
  first->succeed("settrans -ac /tmp/hello /hurd/hello && echo one > /root/clone");
  EXPECT_EQ(first->succeed("cat /tmp/hello"), "Hello, world!\n");
  EXPECT_THAT(first->succeed("ps -e -o args"), HasSubstr("/hurd/proc"));

  auto second = Machine::clone(made, machine_options("hurd-mini-clone-2"));
  EXPECT_EQ(second->succeed("uname -s"), "GNU\n");
  second->fail("test -e /root/clone");  // nothing of the first clone
  EXPECT_EQ(second->succeed("cat /root/made-in-template"), "template\n");
  EXPECT_EQ(first->succeed("cat /root/clone"), "one\n");  // both run at once
  // No boot in either clone: their consoles show no GRUB and no bootstrap.
  for (const auto* clone : {first.get(), second.get()}) {
    const std::string console = read_file(clone->log_dir() / "console.txt");
    EXPECT_THAT(console, Not(HasSubstr("Hurd server bootstrap"))) << clone->log_dir();
    EXPECT_THAT(console, HasSubstr("hurdle-alive-"));
  }
}

TEST_F(HurdMini, HaltIsSeenByPowerOffAndPowerOnBootsTheSameDiskAgain) {
  auto vm = Machine::from_profile("hurd-mini", machine_options("hurd-mini-power"));
  vm->wait_for_boot();
  vm->succeed("true");
  const PowerOffReport off = vm->power_off();
  EXPECT_EQ(off.by, "the console's halted line 'Shutdown completed successfully'");
  EXPECT_TRUE(vm->powered_off());
  EXPECT_FALSE(vm->running());
  const std::vector<fs::path> disks = vm->disk_files();
  const auto markers = vm->power_on();
  EXPECT_EQ(names_of(markers), kHurdMarkers);
  EXPECT_EQ(vm->disk_files(), disks);
  EXPECT_EQ(vm->succeed("uname -s"), "GNU\n");  // a new boot: logged in again
  const std::string console = read_file(vm->log_dir() / "console.txt");
  // Both boots and the Hurd's own shutdown in between, in order, in one console log.
  const auto first = console.find("Hurd server bootstrap");
  const auto halted = console.find("startup: halting Mach");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(halted, std::string::npos);
  EXPECT_LT(first, halted);
  EXPECT_NE(console.find("Hurd server bootstrap", halted), std::string::npos);
  EXPECT_THAT(read_file(vm->log_dir() / "machine.log"),
              HasSubstr("starting QEMU again on the same disks (power_on)"));
}

// A boot module missing from grub.cfg (exec): GNU Mach's boot script names a task nobody
// loaded and GNU Mach panics. The watcher ends the boot with the panic's line, and QEMU is
// stopped at once, not left looping for the boot's 5 minutes.
TEST_F(HurdMini, AMissingBootModulePanicsAndTheWatcherStopsQemuWithinTwoSeconds) {
  MachineProfile profile =
      load_machine_profile(test::source_dir() / "fixtures/machines/hurd-mini.yaml");
  profile.disks.at(0).file = test::guest_dir("hurd-mini") / "hurd-mini-no-exec.qcow2";
  auto vm = Machine::start(profile, machine_options("hurd-mini-panic"));
  try {
    (void)vm->wait_for_boot();
    FAIL() << "booted without the exec server";
  } catch (const TimeoutError& e) {
    FAIL() << "the boot ran into its time-out instead of failing on the panic: " << e.what();
  } catch (const ConsoleError& e) {
    EXPECT_THAT(e.what(), HasSubstr("gnumach-panic seen on the console"));
    EXPECT_THAT(e.what(), HasSubstr("bootstrap_create: ERROR in executing boot script"));
  }
  EXPECT_TRUE(vm->process().wait_for_exit(2s)) << "QEMU still runs 2 s after the panic";
  const std::string log = read_file(vm->log_dir() / "machine.log");
  EXPECT_THAT(log, HasSubstr("boot marker 'gnumach'"));
  EXPECT_THAT(log, Not(HasSubstr("boot marker 'hurd-servers'")));
  const std::string console = read_file(vm->log_dir() / "console.txt");
  EXPECT_THAT(console, HasSubstr("bootstrap script missing symbol 'exec-task'"));
  const auto hit = vm->console().watcher_hit();
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->name, "gnumach-panic");
  EXPECT_THAT(hit->line, HasSubstr("panic ../kern/bootstrap.c:"));
}

// The boot cache with a Hurd guest: the first run of the suite boots the Hurd, logs in and
// makes the template; the second starts its scenario from the template without a boot.
TEST_F(HurdMini, TheBootCachesSecondRunDoesNotBootTheHurd) {
  const fs::path dir = test::guest_dir("hurd-mini").parent_path().parent_path() / "test-logs" /
                       "hurd-mini-boot-cache";
  fs::remove_all(dir);
  ::setenv("HURDLE_CACHE_DIR", (dir / "cache").c_str(), 1);
  ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
  const auto run = [&](const std::string& name) {
    auto [status, out] = test::hurdle_command(
        {"run", (test::source_dir() / "scenarios/hurd-mini/real-hurd.yaml").string(), "--filter",
         "hurd-mini.kernel-is-gnu-mach", "--accel", "tcg", "--report-dir", (dir / name).string()});
    EXPECT_EQ(status, 0) << out;
    EXPECT_THAT(out, HasSubstr("PASS   hurd-mini.kernel-is-gnu-mach"));
    std::string logs;
    for (const auto& e : fs::recursive_directory_iterator(dir / name))
      if (e.path().filename() == "machine.log" || e.path().filename() == "console.txt")
        logs += read_file(e.path());
    return logs;
  };
  const std::string first = run("first");
  EXPECT_THAT(first, HasSubstr("making the template"));
  EXPECT_THAT(first, HasSubstr("Hurd server bootstrap"));
  const std::string second = run("second");
  ::unsetenv("HURDLE_CACHE_DIR");
  test::forget_boot_cache(dir / "cache");
  EXPECT_THAT(second, HasSubstr("is ready; no boot"));
  EXPECT_THAT(second, Not(HasSubstr("boot marker")));
  EXPECT_THAT(second, Not(HasSubstr("Hurd server bootstrap")));
  EXPECT_THAT(second, HasSubstr("hurdle-alive-"));  // the clone proven alive on the console
}

}  // namespace
}  // namespace hurdle
