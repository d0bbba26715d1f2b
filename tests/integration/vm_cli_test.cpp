// `hurdle vm` on the Linux test guest, through the program as a person runs it: the whole
// life cycle, the console and the monitor in tmux, a supervisor killed with SIGKILL (QEMU goes
// with it; the entry is found stale), health watched, nothing listening beyond loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/hurdle_command.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/tmux_session.hpp"
#include "vm/vm_client.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Json = nlohmann::json;

fs::path test_root(const std::string& test) {
  return fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / ("vm-" + test);
}

// Every VM of a test lives in the test's own runtime folder (nothing shared with a person's
// VMs or another test), and is killed when the test ends, whatever happened.
class VmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = test_root(test);
    fs::remove_all(root_);
    fs::create_directories(root_);
    // A runtime folder of the test's own, short: sockets live there (at most 107 bytes a path).
    std::string runtime = "/tmp/hurdle-vm-test-XXXXXX";
    ASSERT_NE(::mkdtemp(runtime.data()), nullptr);
    runtime_ = runtime;
    ::setenv("XDG_RUNTIME_DIR", runtime_.c_str(), 1);
    ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
  }
  void TearDown() override {
    for (const auto& name : started_) (void)test::hurdle_command({"vm", "kill", name});
    std::error_code ec;
    fs::remove_all(runtime_, ec);
  }

  // `hurdle vm start NAME` on linux-mini under TCG, its logs in the test's folder.
  std::pair<int, std::string> start(const std::string& name,
                                    const std::vector<std::string>& more = {}) {
    started_.push_back(name);
    std::vector<std::string> args = {
        "vm",        "start",      name,
        "--profile", "linux-mini", "--accel",
        "tcg",       "--log-dir",  (root_ / ("logs-" + name)).string()};
    args.insert(args.end(), more.begin(), more.end());
    return test::hurdle_command(args);
  }
  static Json json_of(const std::string& text) {
    // The JSON document: from the first '{' or '[' of a line on (a progress line may precede).
    const auto at = text.find_first_of("{[");
    return Json::parse(text.substr(at == std::string::npos ? 0 : at));
  }
  [[nodiscard]] fs::path instance(const std::string& name) const {
    return runtime_ / "hurdle" / name;
  }

  fs::path root_;
  fs::path runtime_;
  std::vector<std::string> started_;
};

// The TCP listeners of process `pid`, as `ss -ltnp` shows them: "ADDRESS:PORT" each.
std::vector<std::string> listeners_of(pid_t pid) {
  const std::string table = test::program_output({"ss", "-ltnpH"});
  std::vector<std::string> out;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("pid=" + std::to_string(pid) + ",") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string state, recv_q, send_q, local;
    fields >> state >> recv_q >> send_q >> local;
    out.push_back(local);
  }
  return out;
}

TEST_F(VmTest, TheWholeLifeCycleThroughTheProgram) {
  auto [status, out] = start("life", {"--gdb", "--vnc", "--debug", "--json"});
  ASSERT_EQ(status, 0) << out;
  const Json record = json_of(out);
  EXPECT_EQ(record["state"], "running");
  EXPECT_EQ(record["accelerator"], "tcg");
  const pid_t supervisor = record["supervisor_pid"].get<pid_t>();
  const pid_t qemu = record["qemu_pid"].get<pid_t>();
  ASSERT_TRUE(process_exists(qemu));
  EXPECT_EQ(fs::status(instance("life")).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_TRUE(fs::is_socket(instance("life") / "control.sock"));

  // Nothing listens beyond loopback: SSH's forward, the GDB stub and VNC are on 127.0.0.1.
  const auto listeners = listeners_of(qemu);
  EXPECT_EQ(listeners.size(), 3u);
  for (const auto& l : listeners) EXPECT_EQ(l.rfind("127.0.0.1:", 0), 0u) << l;
  for (const char* service : {"ssh", "gdb", "vnc"}) {
    ASSERT_TRUE(record["ports"].contains(service)) << service;
    const std::string where = "127.0.0.1:" + std::to_string(record["ports"][service].get<int>());
    EXPECT_NE(std::find(listeners.begin(), listeners.end(), where), listeners.end()) << where;
  }

  // A second VM of the same name is refused; an unknown name lists those running.
  std::tie(status, out) = start("life");
  EXPECT_EQ(status, 2) << out;
  EXPECT_THAT(out, HasSubstr("a VM named life is running already"));
  std::tie(status, out) = test::hurdle_command({"vm", "status", "nosuch"});
  EXPECT_EQ(status, 2) << out;
  EXPECT_THAT(out, HasSubstr("no VM named nosuch is running; running: life"));

  std::tie(status, out) = test::hurdle_command({"vm", "list", "--json"});
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(json_of(out)["running"][0]["name"], "life");
  std::tie(status, out) = test::hurdle_command({"vm", "info", "life", "--json"});
  ASSERT_EQ(status, 0) << out;
  const Json info = json_of(out);
  EXPECT_THAT(info["qemu_version"].get<std::string>(), ::testing::StartsWith("7."));
  EXPECT_EQ(info["cpus"], 1);
  EXPECT_EQ(info["memory_bytes"], 512u << 20);
  EXPECT_EQ(info["run_state"], "running");
  EXPECT_THAT(info["block_devices"].dump(), HasSubstr("scratch.overlay.qcow2"));
  // --debug: QEMU logs what the guest does wrong, beside the other logs.
  EXPECT_THAT(info["argv"].dump(), HasSubstr("\"-d\",\"guest_errors,unimp\",\"-D\""));
  EXPECT_TRUE(fs::exists(root_ / "logs-life" / "qemu-debug.log"));

  // SSH: the command's output and status are the program's.
  std::tie(status, out) = test::hurdle_command({"vm", "ssh", "life", "uname", "-s"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out, "Linux\n");
  std::tie(status, out) = test::hurdle_command({"vm", "ssh", "life", "echo oops >&2; exit 3"});
  EXPECT_EQ(status, 3) << out;
  EXPECT_EQ(out, "oops\n");

  // The console: typed text reaches the shell, and the console's log has its answer.
  std::tie(status, out) = test::hurdle_command({"vm", "send", "life", "echo typed-$((40+2))"});
  EXPECT_EQ(status, 0) << out;
  std::tie(status, out) = test::hurdle_command({"vm", "ssh", "life", "sleep 0.5"});
  std::tie(status, out) = test::hurdle_command({"vm", "logs", "life"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("\ntyped-42\n"));

  // Snapshots: what is written after one is gone when it is restored (save and restore are
  // the words of the YAML steps; create and load, the older ones, still work).
  std::tie(status, out) = test::hurdle_command({"vm", "snapshot", "save", "life", "before"});
  ASSERT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("life: snapshot before taken in "));
  ASSERT_EQ(test::hurdle_command({"vm", "ssh", "life", "touch /root/later"}).first, 0);
  std::tie(status, out) = test::hurdle_command({"vm", "snapshot", "load", "life", "before"});
  ASSERT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("life: snapshot before loaded in "));
  std::tie(status, out) = test::hurdle_command({"vm", "ssh", "life", "test -e /root/later"});
  EXPECT_EQ(status, 1) << out;
  std::tie(status, out) = test::hurdle_command({"vm", "snapshot", "list", "life", "--json"});
  EXPECT_EQ(json_of(out), Json::array({"before"})) << out;
  std::tie(status, out) = test::hurdle_command({"vm", "snapshot", "restore", "life", "nosuch"});
  EXPECT_NE(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("nosuch"));
  EXPECT_EQ(test::hurdle_command({"vm", "snapshot", "delete", "life", "before"}).first, 0);
  std::tie(status, out) = test::hurdle_command({"vm", "snapshot", "list", "life", "--json"});
  EXPECT_EQ(json_of(out), Json::array()) << out;

  // Pause and resume, as QEMU reports them.
  EXPECT_EQ(test::hurdle_command({"vm", "pause", "life"}).first, 0);
  std::tie(status, out) = test::hurdle_command({"vm", "status", "life", "--json"});
  EXPECT_EQ(json_of(out)["run_state"], "paused") << out;
  std::tie(status, out) = test::hurdle_command({"vm", "health", "life"});
  EXPECT_EQ(status, 1) << out;  // a paused guest does not answer
  EXPECT_THAT(out, HasSubstr("life FAILING"));
  EXPECT_EQ(test::hurdle_command({"vm", "resume", "life"}).first, 0);
  std::tie(status, out) = test::hurdle_command({"vm", "health", "life"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("life ok: supervisor yes, qemu yes, qmp yes (running), guest ssh "
                             "round trip"));
  std::tie(status, out) = test::hurdle_command({"vm", "stats", "life", "--json"});
  ASSERT_EQ(status, 0) << out;
  const Json stats = json_of(out);
  EXPECT_GT(stats["rss_bytes"].get<std::uint64_t>(), 50u << 20);
  EXPECT_GT(stats["cpu_seconds"].get<double>(), 0.5);
  EXPECT_GT(stats["disk_allocated_bytes"].get<std::uint64_t>(), 0u);

  const fs::path png = root_ / "screen.png";
  std::tie(status, out) = test::hurdle_command({"vm", "screenshot", "life", png.string()});
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(test::read_file(png).substr(0, 8), "\x89PNG\r\n\x1a\n");

  // The reset button: the guest boots again (its uptime starts over).
  std::tie(status, out) = test::hurdle_command({"vm", "reset", "life"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, ::testing::MatchesRegex("life: reset, booted again: ready after [0-9]+ ms, "
                                           "login after [0-9]+ ms\n"));
  std::tie(status, out) = test::hurdle_command({"vm", "ssh", "life", "cut -d. -f1 /proc/uptime"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_LT(std::stoi(out), 30) << out;

  // ACPI: this guest has nothing that reads the power button; powerdown says so and the VM
  // runs on.
  std::tie(status, out) = test::hurdle_command({"vm", "powerdown", "life", "--timeout", "2"});
  EXPECT_EQ(status, 1) << out;
  EXPECT_THAT(out, HasSubstr("the guest did not power off within 2 s"));
  EXPECT_TRUE(process_exists(qemu));

  std::tie(status, out) = test::hurdle_command({"vm", "quit", "life"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("life: stopped"));
  EXPECT_FALSE(process_exists(qemu));
  EXPECT_FALSE(process_exists(supervisor));
  EXPECT_FALSE(fs::exists(instance("life")));
  // The logs stay, the supervisor's with them.
  const fs::path logs = root_ / "logs-life";
  EXPECT_THAT(test::read_file(logs / "machine.log"),
              HasSubstr("hurdle vm: asked to quit: QMP quit"));
  EXPECT_THAT(test::read_file(logs / "supervisor.log"), HasSubstr("stopped (asked to quit)"));
  std::tie(status, out) = test::hurdle_command({"vm", "list"});
  EXPECT_THAT(out, HasSubstr("no VM is running"));
}

// The console and the monitor as a person uses them, in a terminal (tmux).
TEST_F(VmTest, ConsoleAndMonitorInATerminal) {
  auto [status, out] = start("term");
  ASSERT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("hurdle vm: term booted after "));
  EXPECT_THAT(out, HasSubstr("console: hurdle vm console term"));
  const std::string hurdle = test::hurdle_program().string();
  {
    const test::TmuxSession console("hurdle-vm-console-test",
                                    hurdle + " vm console term; echo EXITED $?; sleep 60");
    std::string screen = console.wait_for("Ctrl-] leaves", std::chrono::seconds(30));
    ASSERT_THAT(screen, HasSubstr("the console of term is attached")) << screen;
    console.keys({"echo at-the-console-$((6*7))", "Enter"});
    screen = console.wait_for("at-the-console-42", std::chrono::seconds(30), true);
    EXPECT_THAT("\n" + screen, HasSubstr("\nat-the-console-42\n")) << screen;
    console.keys({"C-]"});
    screen = console.wait_for("EXITED", std::chrono::seconds(30));
    EXPECT_THAT(screen, HasSubstr("left the console; term runs on")) << screen;
    EXPECT_THAT(screen, HasSubstr("EXITED 0")) << screen;
  }
  // The console's log recorded the session the whole time.
  EXPECT_THAT(test::read_file(root_ / "logs-term" / "console.txt"),
              HasSubstr("\nat-the-console-42\n"));
  {
    const test::TmuxSession monitor("hurdle-vm-monitor-test",
                                    hurdle + " vm monitor term; echo EXITED $?; sleep 60");
    std::string screen = monitor.wait_for("(qemu)", std::chrono::seconds(30));
    monitor.keys({"info status", "Enter"});
    screen = monitor.wait_for("VM status: running", std::chrono::seconds(30));
    EXPECT_THAT(screen, HasSubstr("VM status: running")) << screen;
    monitor.keys({"stop", "Enter"});
    monitor.keys({"info status", "Enter"});
    screen = monitor.wait_for("VM status: paused", std::chrono::seconds(30));
    EXPECT_THAT(screen, HasSubstr("VM status: paused")) << screen;
    monitor.keys({"cont", "Enter"});
    monitor.keys({"info nosuchthing", "Enter"});
    screen = monitor.wait_for("unknown command", std::chrono::seconds(30));
    EXPECT_THAT(screen, HasSubstr("unknown command: 'info nosuchthing'")) << screen;
    monitor.keys({"quit", "Enter"});
    screen = monitor.wait_for("EXITED", std::chrono::seconds(30));
    EXPECT_THAT(screen, HasSubstr("EXITED 0")) << screen;
  }
  // `quit` left the monitor, not the VM; it runs on.
  std::tie(status, out) = test::hurdle_command({"vm", "status", "term", "--json"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(json_of(out)["run_state"], "running") << out;
  {
    // Logs followed until the VM stops.
    const test::TmuxSession follow("hurdle-vm-logs-test",
                                   hurdle + " vm logs term --follow; echo EXITED $?; sleep 60");
    EXPECT_EQ(test::hurdle_command({"vm", "send", "term", "echo followed-$((7*6))"}).first, 0);
    std::string screen = follow.wait_for("followed-42", std::chrono::seconds(30), true);
    EXPECT_THAT("\n" + screen, HasSubstr("\nfollowed-42\n")) << screen;
    EXPECT_EQ(test::hurdle_command({"vm", "quit", "term"}).first, 0);
    screen = follow.wait_for("EXITED", std::chrono::seconds(30));
    EXPECT_THAT(screen, HasSubstr("EXITED 0")) << screen;
  }
}

// kill -9 of the supervisor: QEMU dies with it (PR_SET_PDEATHSIG), the entry is stale, and
// hurdle says so and cleans it up; the name can be used again, and `vm kill` ends that one.
TEST_F(VmTest, AKilledSupervisorTakesQemuWithItAndLeavesAStaleEntry) {
  auto [status, out] = start("stale", {"--json"});
  ASSERT_EQ(status, 0) << out;
  Json record = json_of(out);
  const pid_t supervisor = record["supervisor_pid"].get<pid_t>();
  const pid_t qemu = record["qemu_pid"].get<pid_t>();
  ASSERT_EQ(::kill(supervisor, SIGKILL), 0);
  EXPECT_TRUE(wait_until_gone(qemu, std::chrono::steady_clock::now() + std::chrono::seconds(10)))
      << "QEMU outlived its supervisor";
  EXPECT_TRUE(fs::exists(instance("stale") / "instance.json"));  // left behind: stale
  const fs::path logs = record["log_dir"].get<std::string>();
  EXPECT_FALSE(fs::exists(logs / "supervisor.log"));

  std::tie(status, out) = test::hurdle_command({"vm", "list"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("stale was stale (its supervisor is gone): cleaned up"));
  EXPECT_THAT(out, HasSubstr("no VM is running"));
  EXPECT_FALSE(fs::exists(instance("stale")));
  // The dead supervisor's log was kept with the machine's logs when its folder went.
  EXPECT_THAT(test::read_file(logs / "supervisor.log"),
              HasSubstr("hurdle vm serve: stale: supervisor pid " + std::to_string(supervisor) +
                        ", QEMU pid " + std::to_string(qemu)));
  std::tie(status, out) = test::hurdle_command({"vm", "health", "stale"});
  EXPECT_EQ(status, 1) << out;
  EXPECT_THAT(out, HasSubstr("stale down: no supervisor"));

  // Again, without waiting for the boot: the VM is there at once, booting, and comes up.
  std::tie(status, out) = start("stale", {"--no-wait", "--json"});
  ASSERT_EQ(status, 0) << out;
  record = json_of(out);
  EXPECT_EQ(record["state"], "starting");
  std::tie(status, out) = test::hurdle_command({"vm", "ssh", "stale", "uname", "-s"});
  EXPECT_EQ(status, 0) << out;  // waits for the boot (the machine is busy until then)
  EXPECT_EQ(out, "Linux\n");
  std::tie(status, out) = test::hurdle_command({"vm", "status", "stale", "--json"});
  EXPECT_EQ(json_of(out)["state"], "running") << out;
  std::tie(status, out) = test::hurdle_command({"vm", "kill", "stale"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_FALSE(process_exists(record["qemu_pid"].get<pid_t>()));
  EXPECT_FALSE(process_exists(record["supervisor_pid"].get<pid_t>()));
  EXPECT_FALSE(fs::exists(instance("stale")));
}

// health --watch: one line per interval, to the terminal and the instance's health.log, with
// QEMU's memory and CPU; it ends, failing, once the VM is gone.
TEST_F(VmTest, HealthWatchLogsALinePerInterval) {
  auto [status, out] = start("watched");
  ASSERT_EQ(status, 0) << out;
  const test::TmuxSession watch(
      "hurdle-vm-health-test",
      test::hurdle_program().string() + " vm health watched --watch 0.5; echo EXITED $?; sleep 60");
  std::string screen = watch.wait_for("cpu", std::chrono::seconds(30));
  const fs::path health_log = instance("watched") / "health.log";
  // Three lines at least, each a passing check with the numbers.
  auto lines_in = [&] {
    const std::string text = fs::exists(health_log) ? test::read_file(health_log) : "";
    return std::count(text.begin(), text.end(), '\n');
  };
  for (int tries = 0; tries < 60 && lines_in() < 3; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  const std::string log = test::read_file(health_log);
  std::istringstream lines(log);
  int ok_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_THAT(line,
                ::testing::MatchesRegex(
                    "[0-9T:Z-]+ watched ok: supervisor yes, qemu yes, qmp yes \\(running\\), "
                    "guest ssh round trip [0-9]+ ms; rss [0-9.]+ [KMG]iB, pss [0-9.]+ [KMG]iB, "
                    "cpu [0-9.]+ s, disks [0-9.]+ (B|[KMG]iB)"));
    ++ok_lines;
  }
  EXPECT_GE(ok_lines, 3) << log;
  EXPECT_EQ(test::hurdle_command({"vm", "quit", "watched"}).first, 0);
  screen = watch.wait_for("EXITED", std::chrono::seconds(30));
  EXPECT_THAT(screen, HasSubstr("watched down: no supervisor")) << screen;
  EXPECT_THAT(screen, HasSubstr("EXITED 1")) << screen;
}

// A boot that fails (here: the guest is up, its SSH never lets the profile's user in) is told
// once QEMU has quit and the instance folder is gone: a script that starts the VM again at once,
// or gives up, finds nothing of it left (the logs stay, named in the error).
TEST_F(VmTest, AFailedBootLeavesNothingRunningWhenStartReturns) {
  std::string profile = test::read_file(test::source_dir() / "fixtures/machines/linux-mini.yaml");
  // A user dropbear does not know, SSH given up soon, and a long power-off deadline: were it
  // waited out before QEMU quits, the checks below would see it still running.
  const std::vector<std::pair<std::string, std::string>> changes = {
      {"  user: root\n  auth: none", "  user: nobody\n  auth: none"},
      {"ready_timeout: 60s", "ready_timeout: 4s"},
      {"  shutdown: 3s", "  shutdown: 30s"}};
  for (const auto& [from, to] : changes) {
    ASSERT_NE(profile.find(from), std::string::npos) << from;
    profile.replace(profile.find(from), from.size(), to);
  }
  const fs::path no_ssh = root_ / "no-ssh.yaml";
  std::ofstream(no_ssh) << profile;
  started_.push_back("nossh");
  auto [status, out] =
      test::hurdle_command({"vm", "start", "nossh", "--profile", no_ssh.string(), "--accel", "tcg",
                            "--log-dir", (root_ / "logs-nossh").string()});
  EXPECT_EQ(status, 3) << out;  // the machine's failure, not the command line's
  EXPECT_THAT(out, HasSubstr("authentication as nobody")) << out;
  EXPECT_FALSE(fs::exists(instance("nossh"))) << out;
  // QEMU's pid, from the machine's log: that process is gone too (not waiting out a power-off).
  const std::string log = test::read_file(root_ / "logs-nossh" / "machine.log");
  const auto at = log.find("QEMU pid ");
  ASSERT_NE(at, std::string::npos) << log;
  const pid_t qemu = std::stoi(log.substr(at + 9));
  EXPECT_NE(::kill(qemu, 0), 0) << "QEMU " << qemu << " still runs after vm start returned\n"
                                << log;
  std::tie(status, out) = test::hurdle_command({"vm", "list", "--json"});
  EXPECT_EQ(status, 0) << out;
  // No VM of that name runs, or is left stale.
  const Json listing = json_of(out);
  for (const auto& vm : listing.at("running")) EXPECT_NE(vm.at("name"), "nossh") << out;
  for (const auto& name : listing.at("removed_stale")) EXPECT_NE(name, "nossh") << out;
}

// Bad input is refused before anything starts, with what was wrong.
TEST_F(VmTest, BadInputIsRefusedWithWhatWasWrong) {
  auto [status, out] = test::hurdle_command(
      {"vm", "start", "bad", "--profile", "no-such-profile", "--accel", "tcg"});
  EXPECT_EQ(status, 2) << out;
  EXPECT_THAT(out, HasSubstr("no machine profile named 'no-such-profile'"));
  EXPECT_FALSE(fs::exists(instance("bad")));
  std::tie(status, out) = test::hurdle_command({"vm", "start", "-bad", "--profile", "linux-mini"});
  EXPECT_NE(status, 0) << out;
  std::tie(status, out) =
      test::hurdle_command({"vm", "start", "bad/name", "--profile", "linux-mini"});
  EXPECT_EQ(status, 2) << out;
  EXPECT_THAT(out, HasSubstr("'bad/name' is no VM name"));
  std::tie(status, out) = test::hurdle_command({"vm", "ssh", "nosuch", "true"});
  EXPECT_EQ(status, 2) << out;
  EXPECT_THAT(out, HasSubstr("no VM named nosuch is running; running: none"));
}

}  // namespace
}  // namespace hurdle
