// Machine, console, QMP and process behaviour against real QEMU under TCG.
// Guests: gnumach (GRUB + GNU Mach, panics) and linux-mini (login: prompt, shell).
#include "machine/machine.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <future>
#include <set>
#include <thread>

#include "core/boost_process.hpp"
#include "core/error.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_machine.hpp"

namespace hurdle {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::machine_options;

// Waits (on a pidfd, no polling loop) until process `pid` is gone; false after `timeout`.
bool process_gone_within(pid_t pid, std::chrono::milliseconds timeout) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  ::close(fd);
  return n == 1;
}

// A log folder with a comma in its name: QEMU is given it as ",," inside its option lists, so it
// starts, and its own console log lands where it was asked to.
TEST(Machine, AFolderWithACommaReachesQemuIntact) {
  auto options = machine_options("comma,folder");
  auto vm = Machine::from_profile("linux-mini", options);
  vm->wait_for_boot();
  EXPECT_GT(std::filesystem::file_size(options.log_dir / "console.log"), 0u);
  vm->crash();
}

// hurdle blocks SIGINT and SIGTERM in its threads (one thread takes them); QEMU must not
// inherit that mask, or a SIGTERM meant for it would never arrive.
TEST(Machine, QemuStartsWithNoSignalBlocked) {
  sigset_t blocked, old;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &blocked, &old);
  auto vm = Machine::from_profile("linux-mini", machine_options("signal-mask"));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  const std::string status =
      test::read_file("/proc/" + std::to_string(vm->process().pid()) + "/status");
  // QEMU blocks a few signals of its own (SIGBUS, SIGUSR1, SIGALRM, SIGIO); not these.
  const std::size_t at = status.find("\nSigBlk:\t");
  ASSERT_NE(at, std::string::npos) << status;
  const unsigned long long mask = std::stoull(status.substr(at + 9, 16), nullptr, 16);
  EXPECT_EQ(mask & (1ull << (SIGINT - 1)), 0u) << status;
  EXPECT_EQ(mask & (1ull << (SIGTERM - 1)), 0u) << status;
  vm->crash();
}

// Overlays (and the snapshots in them, each a copy of the guest's RAM) go to the work folder,
// not to $XDG_RUNTIME_DIR where only the sockets stay; and they go away with the machine.
TEST(Machine, OverlaysLiveInTheWorkFolder) {
  auto options = machine_options("work-folder");
  options.work_dir = options.log_dir / "work";
  auto vm = Machine::from_profile("linux-mini", options);
  vm->wait_for_boot();
  vm->snapshot("in-work-folder");
  EXPECT_EQ(vm->work_dir().parent_path(), *options.work_dir);
  EXPECT_TRUE(std::filesystem::exists(vm->work_dir() / "scratch.overlay.qcow2"));
  for (const auto& entry : std::filesystem::directory_iterator(vm->run_dir()))
    EXPECT_NE(entry.path().extension(), ".qcow2") << entry.path();
  const auto work = vm->work_dir();
  vm.reset();
  EXPECT_FALSE(std::filesystem::exists(work));
}

// A work folder without room for the guest's RAM is an error before QEMU starts, naming the
// folder and what it needs, not a run that dies half-way on a full disk.
TEST(Machine, AWorkFolderWithoutRoomIsAClearErrorBeforeTheBoot) {
  auto options = machine_options("work-full");
  options.work_dir = options.log_dir / "work";
  auto profile = load_machine_profile(test::source_dir() / "fixtures/machines/linux-mini.yaml");
  profile.memory_mib = 1ull << 30;  // a PiB of RAM: no disk here has room for its snapshots
  try {
    (void)Machine::start(profile, options);
    FAIL() << "expected an error";
  } catch (const QemuError& e) {
    EXPECT_NE(std::string(e.what()).find("the work folder " + options.work_dir->string() + " has "),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("HURDLE_WORK_DIR"), std::string::npos);
  }
}

TEST(Machine, GnuMachBannerThenPanicWatcherFailsTheWaitAtOnce) {
  // Guest: gnumach.
  auto vm = Machine::from_profile("gnumach", machine_options("gnumach-panic"));
  const auto times = vm->wait_for_boot();
  ASSERT_EQ(times.size(), 2u);
  EXPECT_EQ(times[0].name, "grub");
  EXPECT_EQ(times[1].name, "gnumach");
  const auto t0 = std::chrono::steady_clock::now();
  try {
    vm->console().expect("login: ", 120s);
    FAIL() << "expected the panic watcher to fire";
  } catch (const TimeoutError& e) {
    FAIL() << "the wait ran into its time-out instead of failing on the panic: " << e.what();
  } catch (const ConsoleError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("gnumach-panic"), std::string::npos) << what;
    EXPECT_NE(what.find("panic ../kern/bootstrap.c:181: bootstrap_create: No bootstrap code loaded "
                        "with the kernel!"),
              std::string::npos)
        << what;
  }
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  RecordProperty("seconds_from_banner_to_panic_error", std::to_string(waited));
  // The raw and clean console logs are written.
  EXPECT_GT(fs::file_size(vm->log_dir() / "console.log"), 0u);
  EXPECT_GT(fs::file_size(vm->log_dir() / "console.txt"), 0u);
}

TEST(Machine, ExpectingThePanicItselfSucceeds) {
  // Guest: gnumach.
  auto vm = Machine::from_profile("gnumach", machine_options("gnumach-expect-panic"));
  const auto m = vm->console().expect(R"(panic (\S+):(\d+):)", 60s);
  EXPECT_EQ(m.groups.at(0), "../kern/bootstrap.c");
  EXPECT_EQ(m.groups.at(1), "181");
  const WatcherHit hit = vm->console().wait_for_watcher(10s);
  EXPECT_EQ(hit.name, "gnumach-panic");
}

// One Machine used from two threads at once: SSH commands in one, the console and QMP in the
// other (the thread sanitizer job of ci/test runs this to find data races).
TEST(Machine, OneMachineFromTwoThreads) {
  auto vm = Machine::from_profile("linux-mini", machine_options("two-threads"));
  vm->wait_for_boot();
  vm->login();
  std::thread ssh([&] {
    for (int i = 0; i < 20; ++i)
      EXPECT_EQ(vm->succeed("echo ssh-" + std::to_string(i)), "ssh-" + std::to_string(i) + "\n");
  });
  for (int i = 0; i < 20; ++i) {
    vm->console().sendline("echo console-$((" + std::to_string(i) + "+1000))");
    vm->console().expect("console-" + std::to_string(i + 1000) + "\r?\n", 30s);
    EXPECT_EQ(vm->qmp().execute("query-status")["status"], "running");
    (void)vm->console().tail();
  }
  ssh.join();
  vm->crash();
}

TEST(Machine, LinuxMiniLoginShellAndQmpControls) {
  // Guest: linux-mini.
  auto vm = Machine::from_profile("linux-mini", machine_options("linux-login-qmp"));
  vm->wait_for_boot();
  vm->console().sendline("root");
  vm->console().expect_prompt(30s);
  vm->console().sendline("echo $((6*7))");
  const auto m = vm->console().expect(R"(\n(\d+)\n)", 30s);
  EXPECT_EQ(m.groups.at(0), "42");

  EXPECT_EQ(vm->qmp().execute("query-status")["status"], "running");
  vm->qmp().execute("stop");
  EXPECT_EQ(vm->qmp().execute("query-status")["status"], "paused");
  vm->qmp().execute("cont");
  EXPECT_EQ(vm->qmp().execute("query-status")["status"], "running");

  const auto mark = vm->qmp().event_mark();
  vm->qmp().execute("system_reset");
  vm->qmp().wait_for_event("RESET", {}, 10s, mark);
  vm->console().expect("hurdle-mini: ready", 60s);
  vm->console().expect("login: ", 30s);

  try {
    vm->qmp().execute("no-such-command");
    FAIL() << "expected a QMP error";
  } catch (const QmpError& e) {
    EXPECT_EQ(e.error_class(), "CommandNotFound");
  }
  // The transcript holds both directions.
  std::ifstream qmp_log(vm->log_dir() / "qmp.log");
  const std::string transcript((std::istreambuf_iterator<char>(qmp_log)), {});
  EXPECT_NE(transcript.find("-> {\"execute\":\"stop\""), std::string::npos);
  EXPECT_NE(transcript.find("\"RESET\""), std::string::npos);
}

TEST(Machine, QemuKilledFromOutsideFailsTheExpectNamingTheExit) {
  // Guest: linux-mini.
  auto vm = Machine::from_profile("linux-mini", machine_options("linux-killed"));
  vm->console().expect("login: ", 60s);
  const pid_t pid = vm->process().pid();
  auto killer = std::async(std::launch::async, [pid] {
    std::this_thread::sleep_for(500ms);  // test code: let the expect below start waiting
    ::kill(pid, SIGKILL);
    return std::chrono::steady_clock::now();
  });
  try {
    vm->console().expect("this never appears", 120s);
    FAIL() << "expected the expect to fail";
  } catch (const QemuError& e) {
    const auto failed_at = std::chrono::steady_clock::now();
    const std::string what = e.what();
    EXPECT_NE(what.find("killed by signal 9"), std::string::npos) << what;
    RecordProperty("seconds_from_kill_to_error",
                   std::to_string(std::chrono::duration<double>(failed_at - killer.get()).count()));
  }
  EXPECT_FALSE(vm->running());
}

TEST(Machine, QemuDiesWithAKilledParent) {
  // Guest: linux-mini, started by tests/support/machine_holder, which is then SIGKILLed.
  boost::asio::io_context ctx;
  boost::asio::readable_pipe out(ctx);
  boost::asio::writable_pipe in(ctx);
  const fs::path holder = fs::path(HURDLE_TEST_BIN).parent_path() / "machine_holder";
  boost::process::v2::process child(
      ctx, holder, {(test::source_dir() / "fixtures/machines/linux-mini.yaml").string()},
      boost::process::v2::process_stdio{in, out, {}});
  std::string text;
  boost::asio::read_until(out, boost::asio::dynamic_buffer(text), '\n');
  int qemu_pid = 0;
  ASSERT_EQ(std::sscanf(text.c_str(), "qemu-pid %d", &qemu_pid), 1) << text;
  ASSERT_EQ(::kill(qemu_pid, 0), 0) << "QEMU should be running";
  ::kill(child.id(), SIGKILL);
  child.wait();
  EXPECT_TRUE(process_gone_within(qemu_pid, 10s))
      << "QEMU pid " << qemu_pid << " outlived its parent";
}

TEST(Machine, EightMachinesAtOnceGetDistinctPortsAndSockets) {
  // Guest: linux-mini, eight of it.
  constexpr int kCount = 8;
  std::vector<std::future<std::unique_ptr<Machine>>> starting;
  for (int i = 0; i < kCount; ++i) {
    starting.push_back(std::async(std::launch::async, [i] {
      auto vm =
          Machine::from_profile("linux-mini", machine_options("parallel-" + std::to_string(i)));
      // Well inside CTest's 300 s: a guest that stalls fails here with its console tail,
      // instead of the whole test being killed without a word (8 guests boot in ~35 s).
      vm->console().expect("login: ", 150s);
      return vm;
    }));
  }
  std::set<std::uint16_t> ports;
  std::set<fs::path> run_dirs;
  for (auto& f : starting) {
    auto vm = f.get();
    ports.insert(vm->host_port("ssh"));
    run_dirs.insert(vm->run_dir());
    EXPECT_EQ(fs::status(vm->run_dir()).permissions() & fs::perms::all, fs::perms::owner_all);
  }
  EXPECT_EQ(ports.size(), static_cast<std::size_t>(kCount));
  EXPECT_EQ(run_dirs.size(), static_cast<std::size_t>(kCount));
  for (const auto& dir : run_dirs) EXPECT_FALSE(fs::exists(dir)) << dir << " was not removed";
}

TEST(Machine, BadQemuArgumentsFailAtStartWithTheLog) {
  // Guest: none boots; QEMU rejects its arguments.
  auto options = machine_options("bad-args");
  auto profile = load_machine_profile(test::source_dir() / "fixtures/machines/gnumach.yaml");
  profile.extra_args.push_back("-no-such-option");
  try {
    auto vm = Machine::start(profile, options);
    FAIL() << "QEMU should not start";
  } catch (const QemuError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("exited with status 1"), std::string::npos) << what;
    EXPECT_NE(what.find("-no-such-option"), std::string::npos) << what;
  }
}

// Guest: linux-mini. The guest powers itself off (poweroff -f: ACPI, QEMU's SHUTDOWN event) and
// QEMU ends; power_on boots the same disks again, so what was written before is there, and a
// snapshot saved before the power cycle still loads (QEMU is started on the disks for it).
TEST(Machine, APowerCycleKeepsTheDisksAndTheirSnapshots) {
  auto vm = Machine::from_profile("linux-mini", machine_options("power-cycle"));
  vm->wait_for_boot();
  const std::string write = "dd of=/dev/vda bs=512 count=1 conv=sync 2>/dev/null && sync";
  const std::string read = "dd if=/dev/vda bs=3 count=1 2>/dev/null";
  vm->succeed("printf one | " + write);
  vm->snapshot("one");
  vm->succeed("printf two | " + write);
  const PowerOffReport off = vm->power_off();
  EXPECT_EQ(off.by, "QEMU's SHUTDOWN event (guest-shutdown)");
  EXPECT_FALSE(vm->running());
  EXPECT_TRUE(vm->powered_off());
  EXPECT_EQ(vm->state(), MachineState::kPoweredOff);
  // Whatever needs a running machine says which state it is in, and what starts it again.
  for (const ExecuteOptions::Over over :
       {ExecuteOptions::Over::kAuto, ExecuteOptions::Over::kSsh, ExecuteOptions::Over::kConsole}) {
    try {
      (void)vm->execute("true", {over, std::nullopt, nullptr});
      FAIL() << "a powered-off machine ran a command";
    } catch (const QemuError& e) {
      EXPECT_NE(std::string(e.what()).find("the machine is powered-off (power_on() or a restore"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW((void)vm->snapshot("off"), QemuError);
  const auto markers = vm->power_on();
  ASSERT_EQ(markers.size(), 2u);
  EXPECT_TRUE(vm->running());
  EXPECT_EQ(vm->state(), MachineState::kRunning);
  EXPECT_EQ(vm->succeed(read), "two");
  (void)vm->power_off();
  const RestoreReport restored = vm->restore("one");
  EXPECT_EQ(vm->succeed(read), "one");
  EXPECT_EQ(restored.tag, "one");
  const std::string log = test::read_file(vm->log_dir() / "machine.log");
  EXPECT_NE(log.find("starting QEMU again on the same disks (power_on)"), std::string::npos);
  EXPECT_NE(log.find("starting QEMU again on the same disks (to load snapshot one)"),
            std::string::npos);
  // One console log across the three QEMUs: each boot is in it, in order.
  const std::string console = test::read_file(vm->log_dir() / "console.txt");
  const auto first = console.find("hurdle-mini: ready");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(console.find("hurdle-mini: ready", first + 1), std::string::npos);
}

// A guest that halts its CPU instead of powering the machine off (GNU Mach prints a line and
// loops): the profile's `halted` line counts as the power-off, and hurdle lets QEMU go.
TEST(Machine, AHaltedLineOnTheConsoleEndsAPowerOff) {
  auto profile = load_machine_profile(test::source_dir() / "fixtures/machines/linux-mini.yaml");
  // Sent over SSH, so the console shows only what the guest prints, not the typed command.
  profile.power_off.command =
      "echo 'Shutdown completed successfully, now in tight loop.' > /dev/console";
  profile.power_off.halted_pattern = "Shutdown completed successfully";
  auto vm = Machine::start(profile, machine_options("power-off-halted"));
  vm->wait_for_boot();
  (void)vm->succeed("true");  // SSH up
  const PowerOffReport off = vm->power_off();
  EXPECT_EQ(off.by, "the console's halted line 'Shutdown completed successfully'");
  EXPECT_FALSE(vm->running());
  EXPECT_TRUE(vm->powered_off());
}

// A power-off command that powers nothing off is a time-out naming the wait, and the machine
// runs on.
TEST(Machine, APowerOffThatDoesNotComeIsATimeOut) {
  auto vm = Machine::from_profile("linux-mini", machine_options("power-off-timeout"));
  vm->wait_for_boot();
  (void)vm->succeed("true");
  try {
    (void)vm->power_off("true", 2s);
    FAIL() << "no time-out";
  } catch (const TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("`true` did not power the guest off within 2.00 s"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(vm->running());
  EXPECT_FALSE(vm->powered_off());
  EXPECT_EQ(vm->succeed("echo still here"), "still here\n");
}

TEST(Machine, ShutdownEndsQemuAndRemovesTheRunDirectory) {
  // Guest: linux-mini (busybox has no ACPI power-off handler, so quit and kill are exercised).
  auto vm = Machine::from_profile("linux-mini", machine_options("shutdown"));
  vm->console().expect("login: ", 60s);
  const fs::path run_dir = vm->run_dir();
  vm->shutdown(2s);
  EXPECT_FALSE(vm->running());
  vm.reset();
  EXPECT_FALSE(fs::exists(run_dir));
}

}  // namespace
}  // namespace hurdle
