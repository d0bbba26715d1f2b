// `hurdle run` as a user runs it, against the offline guests under TCG: exit statuses, the
// rollback of a failed scenario, the panic watcher failing a scenario fast, and the JUnit XML
// it leaves (read back with pugixml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>

#include <signal.h>
#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "core/boost_process.hpp"
#include "core/run_program.hpp"
#include "engine/suite_runner.hpp"
#include "suite/suite_loader.hpp"
#include "support/boot_cache_cleanup.hpp"
#include "support/hurdle_command.hpp"
#include "support/merged_output.hpp"
#include "support/paths.hpp"
#include "support/scratch_folder.hpp"
#include "support/scripted_http_service.hpp"
#include "support/test_files.hpp"
#include "support/tmux_session.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

struct RunOutcome {
  int status = -1;
  std::string out;
  fs::path junit;
  fs::path reports;
};

RunOutcome hurdle_run(const std::string& name, const std::vector<std::string>& suites,
                      const std::vector<std::string>& options = {}) {
  namespace bp = boost::process::v2;
  RunOutcome run;
  const fs::path dir =
      fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / ("run-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  run.junit = dir / "junit.xml";
  run.reports = dir / "reports";
  ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
  // Each run makes its own templates, unless a test names a boot cache folder: a template a
  // run before left in the user's cache would make the boot it tests vanish.
  const char* cache = std::getenv("HURDLE_CACHE_DIR");
  const bool boot_cache =
      cache != nullptr && std::string(cache).find("test-logs") != std::string::npos;
  std::vector<std::string> args = {
      "run", "--accel", "tcg", "--junit", run.junit.string(), "--report-dir", run.reports.string()};
  if (!boot_cache) args.push_back("--no-boot-cache");
  args.insert(args.end(), options.begin(), options.end());
  for (const auto& s : suites) args.push_back((test::source_dir() / s).string());
  boost::asio::io_context ctx;
  test::MergedOutput out(ctx);
  bp::process p(ctx, test::hurdle_program().string(), args,
                bp::process_stdio{nullptr, out.fd(), out.fd()});
  run.out = out.read_all();
  run.status = p.wait();
  return run;
}

// xmllint's verdict on `xml` against the JUnit schema shipped in tests/data.
int xmllint_status(const fs::path& xml) {
  namespace bp = boost::process::v2;
  boost::asio::io_context ctx;
  bp::process p(
      ctx, bp::environment::find_executable("xmllint"),
      {"--noout", "--schema", (test::source_dir() / "tests/data/junit.xsd").string(), xml.string()},
      bp::process_stdio{nullptr, nullptr, nullptr});
  return p.wait();
}

pugi::xml_node testcase(const pugi::xml_document& doc, const char* suite, const char* name) {
  return doc
      .select_node(
          (std::string("//testsuite[@name='") + suite + "']/testcase[@name='" + name + "']")
              .c_str())
      .node();
}

// Whether a machine.log under `reports` says `pristine` was saved within `timeout` (a run in
// another process, looked at every 0.2 s).
// Every `name` (machine.log, console.txt...) under a suite's machine/ folder, joined: the
// template's boot, each lane's, each clone's (a clone logs in a folder of its own).
std::string all_logs(const fs::path& machine_dir, const std::string& name = "machine.log") {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(machine_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->path().filename() == name) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  std::string all;
  for (const auto& f : files) all += test::read_file(f);
  return all;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

bool pristine_saved_within(const fs::path& reports, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::error_code walk;
    for (auto it = fs::recursive_directory_iterator(reports, walk);
         !walk && it != fs::recursive_directory_iterator(); it.increment(walk)) {
      if (it->path().filename() != "machine.log") continue;
      const std::string log = test::read_file(it->path());
      // Snapshot mode saves `pristine`; clone mode has it once the first clone answers.
      if (log.find("snapshot saved: pristine") != std::string::npos ||
          log.find("clone ready") != std::string::npos)
        return true;
    }
  }
  return false;
}

// `hurdle run tests/data/suites/slow.yaml` in a process of its own (its first scenario sleeps
// a minute: time to interrupt it), with its JUnit file and reports in test-logs/NAME.
struct SlowRun {
  explicit SlowRun(const std::string& name)
      : dir(fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / name),
        junit(dir / "junit.xml"),
        process(ctx, test::hurdle_program().string(), arguments(),
                boost::process::v2::process_stdio{nullptr, out.fd(), out.fd()}) {}

  std::vector<std::string> arguments() {
    fs::remove_all(dir);
    ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
    return {"run",
            "--accel",
            "tcg",
            "--junit",
            junit.string(),
            "--report-dir",
            (dir / "reports").string(),
            (test::source_dir() / "tests/data/suites/slow.yaml").string()};
  }

  fs::path dir;
  fs::path junit;
  boost::asio::io_context ctx;
  test::MergedOutput out{ctx};
  boost::process::v2::process process;
};

// Each suite's JUnit properties, by name.
std::map<std::string, std::map<std::string, std::string>> suite_properties(const fs::path& junit) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_file(junit.c_str())) << junit;
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& s : doc.select_nodes("//testsuite")) {
    auto& props = out[s.node().attribute("name").value()];
    for (const auto& p : s.node().child("properties").children("property"))
      props[p.attribute("name").value()] = p.attribute("value").value();
  }
  return out;
}

TEST(HurdleRun, TheExampleSuitePassesAndLeavesReports) {
  const RunOutcome run = hurdle_run("example", {"scenarios/examples/linux-mini.yaml"});
  EXPECT_EQ(run.status, 0) << run.out;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str())) << run.out;
  EXPECT_EQ(xmllint_status(run.junit), 0);
  EXPECT_EQ(doc.child("testsuites").attribute("tests").as_int(), 6);
  const auto props = doc.select_node("//testsuite[@name='linux-mini']/properties").node();
  EXPECT_TRUE(props.find_child_by_attribute("property", "name", "qemu.version"));
  EXPECT_STREQ(
      props.find_child_by_attribute("property", "name", "accelerator").attribute("value").value(),
      "tcg");
  EXPECT_EQ(doc.child("testsuites").attribute("failures").as_int(), 0);
  // The image and its sha256.
  EXPECT_EQ(props.find_child_by_attribute("property", "name", "image.scratch.sha256")
                .attribute("value")
                .value(),
            test::sha256_of(fs::path(HURDLE_TEST_GUEST_DIR) / "linux-mini" / "disk.qcow2"));
  // The boot is the suite's, not its first scenario's: a property, and in the suite's time.
  const double boot = props.find_child_by_attribute("property", "name", "boot.seconds")
                          .attribute("value")
                          .as_double();
  EXPECT_GT(boot, 1.0);
  EXPECT_LT(testcase(doc, "linux-mini", "kernel-is-linux").attribute("time").as_double(), boot);
  double cases = 0;
  for (const auto& t : doc.select_nodes("//testcase"))
    cases += t.node().attribute("time").as_double();
  EXPECT_NEAR(doc.child("testsuites").child("testsuite").attribute("time").as_double(),
              boot + cases, 0.01);
  EXPECT_THAT(run.out, HasSubstr("BOOT   linux-mini  "));
  EXPECT_THAT(run.out, HasSubstr("hurdle: reports in " + run.reports.string()));
  // One progress line per scenario, and no colour: the output is a pipe, not a terminal.
  EXPECT_THAT(run.out, HasSubstr("PASS   linux-mini.kernel-is-linux  "));
  EXPECT_THAT(run.out, HasSubstr("6 scenario(s): 6 passed, 0 failed, 0 error(s)"));
  EXPECT_EQ(run.out.find('\x1b'), std::string::npos);
  // reports/<run>/: summary.json, and per scenario its steps and its own slice of each log.
  ASSERT_EQ(std::distance(fs::directory_iterator(run.reports), fs::directory_iterator()), 1);
  const fs::path run_dir = fs::directory_iterator(run.reports)->path();
  const auto summary = nlohmann::json::parse(test::read_file(run_dir / "summary.json"));
  EXPECT_EQ(summary.at("exit_status"), 0);
  EXPECT_EQ(summary.at("totals").at("passed"), 6);
  EXPECT_GT(summary.at("suites").at(0).at("boot_seconds").get<double>(), 1.0);
  const fs::path kernel = run_dir / "linux-mini" / "kernel-is-linux";
  EXPECT_TRUE(fs::exists(kernel / "steps.json"));
  // linux-mini's ssh.* commands go over its command channel: each step says so, and the
  // scenario's slice of channel.log has its commands and no other's.
  const auto steps = nlohmann::json::parse(test::read_file(kernel / "steps.json"));
  EXPECT_EQ(steps.at(0).at("over"), "channel");
  const std::string channel_log = test::read_file(kernel / "channel.log");
  EXPECT_THAT(channel_log, HasSubstr("$ uname -s"));
  EXPECT_EQ(channel_log.find("cat /root/chain"), std::string::npos) << "another scenario's command";
  // ssh.put and ssh.get stay on SSH.
  EXPECT_THAT(test::read_file(run_dir / "linux-mini" / "files-round-trip" / "ssh.log"),
              HasSubstr("greeting.txt"));
  EXPECT_THAT(test::read_file(run_dir / "linux-mini" / "console-and-ssh-agree" / "console.txt"),
              HasSubstr("console-42"));
  // Clones by default: each scenario starts in a new QEMU that loads the template's state,
  // proven alive by a round trip on the command channel.
  for (const char* sc : {"kernel-is-linux", "files-round-trip", "qmp-status"})
    EXPECT_THAT(test::read_file(run_dir / "linux-mini" / sc / "qmp.log"),
                HasSubstr("\"execute\":\"migrate-incoming\""))
        << sc;
  const std::string lane_log = test::read_file(run_dir / "linux-mini" / "machine" / "machine.log");
  EXPECT_THAT(lane_log, HasSubstr("reset for kernel-is-linux: console ready after "));
  EXPECT_THAT(lane_log, HasSubstr("(a new clone, channel round trip)"));
  // The next clone is made while a scenario runs: the later resets swap it in.
  EXPECT_THAT(lane_log, HasSubstr("reset for files-round-trip: console ready after "));
  EXPECT_THAT(lane_log, HasSubstr("(a spare clone, channel round trip)"));
  const std::string machine_log = all_logs(run_dir / "linux-mini" / "machine");
  // Only the end state a chained scenario continues is saved: chained-writes', once; it goes
  // when chained-reads has run.
  EXPECT_EQ(count_of(machine_log, "snapshot saved: end-"), 1u) << machine_log;
  EXPECT_THAT(machine_log, HasSubstr("snapshot saved: end-3 "));
  EXPECT_THAT(machine_log, HasSubstr("snapshot deleted: end-3\n"));
  // chained-reads continues in the clone chained-writes left: no restore, no new clone.
  EXPECT_EQ(test::read_file(run_dir / "linux-mini" / "chained-reads" / "qmp.log").find("migrate"),
            std::string::npos);
}

// The other two modes run the same suite with the same outcomes: snapshot restores
// `pristine` in one machine (proven alive on the console), reboot starts it afresh.
// --events FILE: the run as JSON lines, as the MCP server reads them: run_started with the
// scenarios, each scenario started and finished with its status, run_finished with the exit
// status and the report folder.
TEST(HurdleRun, EventsAreJsonLinesFromStartToFinish) {
  const fs::path events =
      fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / "run-events.jsonl";
  const RunOutcome run =
      hurdle_run("events", {"tests/data/suites/rollback.yaml"}, {"--events", events.string()});
  EXPECT_EQ(run.status, 1) << run.out;
  std::vector<nlohmann::json> lines;
  std::istringstream in(test::read_file(events));
  for (std::string line; std::getline(in, line);) {
    lines.push_back(nlohmann::json::parse(line, nullptr, false));
    ASSERT_TRUE(lines.back().is_object()) << line;
  }
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0]["event"], "run_started");
  EXPECT_EQ(lines[0]["scenarios"],
            nlohmann::json::array({"rollback.dirties-then-fails", "rollback.sees-no-dirt"}));
  const fs::path report_dir = lines[0]["report_dir"].get<std::string>();
  EXPECT_EQ(report_dir.parent_path(), fs::absolute(run.reports));
  EXPECT_EQ(lines[0]["junit"], fs::absolute(run.junit).string());
  EXPECT_EQ(lines[1]["event"], "scenario_started");
  EXPECT_EQ(lines[1]["scenario"], "dirties-then-fails");
  EXPECT_EQ(lines[2]["event"], "scenario_finished");
  EXPECT_EQ(lines[2]["suite"], "rollback");
  EXPECT_EQ(lines[2]["status"], "failed");
  EXPECT_THAT(lines[2]["message"].get<std::string>(), HasSubstr("clean"));
  EXPECT_EQ(lines[3]["event"], "scenario_started");
  EXPECT_EQ(lines[4]["scenario"], "sees-no-dirt");
  EXPECT_EQ(lines[4]["status"], "passed");
  EXPECT_GT(lines[4]["seconds"].get<double>(), 0.0);
  EXPECT_EQ(lines[4]["line"].get<std::string>().rfind("PASS   rollback.sees-no-dirt  ", 0), 0u)
      << lines[4];
  EXPECT_EQ(lines[5]["event"], "run_finished");
  EXPECT_EQ(lines[5]["exit_status"], 1);
  EXPECT_EQ(lines[5]["summary"], (report_dir / "summary.json").string());
  EXPECT_TRUE(fs::exists(report_dir / "summary.json"));
}

// A descriptor that is not open is bad input, said before anything boots.
TEST(HurdleRun, EventsToADescriptorThatIsNotOpenIsBadInput) {
  const RunOutcome run =
      hurdle_run("events-bad-fd", {"tests/data/suites/rollback.yaml"}, {"--events", "987654"});
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_THAT(run.out, HasSubstr("--events 987654: file descriptor 987654 is not open"));
  // Nothing started: the run's folder has no suite folder (no machine, no logs).
  for (const auto& run_dir : fs::directory_iterator(run.reports))
    EXPECT_FALSE(fs::exists(run_dir.path() / "rollback")) << run_dir.path();
}

TEST(HurdleRun, TheExampleSuitePassesWithSnapshotAndRebootResets) {
  const RunOutcome snap =
      hurdle_run("reset-snapshot", {"scenarios/examples/linux-mini.yaml"}, {"--reset", "snapshot"});
  EXPECT_EQ(snap.status, 0) << snap.out;
  EXPECT_THAT(snap.out, HasSubstr("6 scenario(s): 6 passed"));
  const fs::path snap_dir = fs::directory_iterator(snap.reports)->path() / "linux-mini";
  const std::string snap_log = test::read_file(snap_dir / "machine" / "machine.log");
  EXPECT_EQ(suite_properties(snap.junit)["linux-mini"]["reset"], "snapshot");
  EXPECT_THAT(snap_log, HasSubstr("snapshot saved: pristine"));
  EXPECT_THAT(snap_log, HasSubstr("restored pristine: load "));
  EXPECT_THAT(snap_log, HasSubstr(", channel round trip "));
  EXPECT_EQ(count_of(snap_log, "snapshot saved: end-"), 1u) << snap_log;
  // The first scenario starts in the state `pristine` was just saved from: no restore.
  EXPECT_EQ(test::read_file(snap_dir / "kernel-is-linux" / "qmp.log").find("snapshot-load"),
            std::string::npos);
  EXPECT_THAT(test::read_file(snap_dir / "files-round-trip" / "qmp.log"),
              HasSubstr("snapshot-load"));

  const RunOutcome boot =
      hurdle_run("reset-reboot", {"scenarios/examples/linux-mini.yaml"}, {"--reset", "reboot"});
  EXPECT_EQ(boot.status, 0) << boot.out;
  EXPECT_THAT(boot.out, HasSubstr("6 scenario(s): 6 passed"));
  const std::string boot_log = test::read_file(fs::directory_iterator(boot.reports)->path() /
                                               "linux-mini" / "machine" / "machine.log");
  // Five fresh starts: every scenario but the first, and chained-reads, which continues
  // chained-writes on its machine.
  EXPECT_EQ(count_of(boot_log, "reset: reboot: starting the machine afresh"), 4u) << boot_log;
  EXPECT_EQ(suite_properties(boot.junit)["linux-mini"]["reset"], "reboot");
}

// `after:` across other scenarios: both scenarios that continue `writes` start from its end
// (the second after the first changed it), which is saved once; a scenario after a failed one
// is an error that says so.
TEST(HurdleRun, ChainedScenariosStartWhereTheirPredecessorEnded) {
  const RunOutcome run = hurdle_run("chained", {"tests/data/suites/chained.yaml"});
  EXPECT_EQ(run.status, 1) << run.out;
  EXPECT_THAT(run.out, HasSubstr("6 scenario(s): 4 passed, 1 failed, 1 error(s)"));
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str()));
  for (const char* name : {"writes", "fresh-between", "reads", "reads-again"})
    EXPECT_FALSE(testcase(doc, "chained", name).child("failure")) << name;
  const auto error = testcase(doc, "chained", "after-a-failure").child("error");
  EXPECT_STREQ(error.attribute("type").value(), "PredecessorNotPassed");
  EXPECT_THAT(error.attribute("message").value(),
              HasSubstr("this scenario continues 'fails', which did not pass in this run"));
  const std::string log =
      all_logs(fs::directory_iterator(run.reports)->path() / "chained" / "machine");
  EXPECT_EQ(count_of(log, "snapshot saved: end-"), 1u) << log;
  EXPECT_THAT(log, HasSubstr("snapshot saved: end-0 "));
  EXPECT_THAT(log, HasSubstr("restored end-0: load "));  // for reads-again
  EXPECT_THAT(log, HasSubstr("snapshot deleted: end-0\n"));
}

// A chained scenario selected without its predecessor: the predecessor runs first, unreported,
// and the scenario says so.
TEST(HurdleRun, AChainedScenarioSelectedAloneRunsItsPredecessorFirst) {
  const RunOutcome run = hurdle_run("chained-alone", {"tests/data/suites/chained.yaml"},
                                    {"--filter", "chained.reads-again"});
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("1 scenario(s): 1 passed"));
  EXPECT_THAT(run.out, HasSubstr("note: ran 'writes' first: this scenario continues it"));
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str()));
  EXPECT_EQ(doc.select_nodes("//testcase").size(), 1u);
  EXPECT_THAT(testcase(doc, "chained", "reads-again").child("system-out").text().get(),
              HasSubstr("note: ran 'writes' first"));
}

// The boot cache: HURDLE_CACHE_DIR for the runs of one test, emptied first.
struct BootCacheFolder {
  fs::path dir;
  explicit BootCacheFolder(const std::string& name)
      : dir(fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / (name + "-cache")) {
    fs::remove_all(dir);
    ::setenv("HURDLE_CACHE_DIR", dir.c_str(), 1);
  }
  ~BootCacheFolder() {
    ::unsetenv("HURDLE_CACHE_DIR");
    test::forget_boot_cache(dir);
  }
  BootCacheFolder(const BootCacheFolder&) = delete;
  BootCacheFolder& operator=(const BootCacheFolder&) = delete;

  [[nodiscard]] std::vector<fs::path> templates() const {
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(dir / "templates"))
      if (e.is_directory()) found.push_back(e.path());
    return found;
  }
};

// A one-scenario suite whose provisioning makes `made` (and checks it in its scenario).
fs::path cache_suite(const fs::path& dir, const std::string& name, const std::string& made,
                     const std::string& machine = "linux-mini") {
  fs::create_directories(dir);
  const fs::path file = dir / (name + ".yaml");
  std::ofstream(file) << "suite: " << name << "\nmachine: " << machine
                      << "\nboot:\n  login: true\n  provision:\n    - ssh.run: mkdir -p " << made
                      << "\nscenarios:\n  - name: sees-it\n    steps:\n      - ssh.run: test -d "
                      << made << "\n";
  return file;
}

std::string suite_log(const RunOutcome& run, const std::string& suite, const char* file) {
  return test::read_file(fs::directory_iterator(run.reports)->path() / suite / "machine" / file);
}

TEST(HurdleRun, ASecondRunStartsFromTheCachedTemplateAndAChangeMakesANewOne) {
  const BootCacheFolder cache("boot-cache");
  const fs::path suites = cache.dir / "suites";
  const fs::path a = cache_suite(suites, "cache-a", "/srv/a");
  const RunOutcome first = hurdle_run("cache-first", {a.string()});
  EXPECT_EQ(first.status, 0) << first.out;
  EXPECT_THAT(suite_log(first, "cache-a", "machine.log"), HasSubstr("making the template"));
  EXPECT_THAT(suite_log(first, "cache-a", "console.txt"), HasSubstr("hurdle-mini: ready"));

  const RunOutcome second = hurdle_run("cache-second", {a.string()});
  EXPECT_EQ(second.status, 0) << second.out;
  const std::string log =
      all_logs(fs::directory_iterator(second.reports)->path() / "cache-a" / "machine");
  EXPECT_THAT(log, HasSubstr("is ready; no boot"));
  EXPECT_EQ(suite_properties(second.junit)["cache-a"]["boot_cache"], "used");
  // No console shows a boot: the guest was already up. (The clones' consoles are there, and
  // each clone's command channel answered.)
  const fs::path second_machine =
      fs::directory_iterator(second.reports)->path() / "cache-a" / "machine";
  const std::string consoles = all_logs(second_machine, "console.txt");
  EXPECT_TRUE(fs::exists(second_machine / "clone-1" / "console.txt"));
  EXPECT_THAT(all_logs(second_machine, "channel.log"), HasSubstr("the shell answered"));
  EXPECT_EQ(consoles.find("hurdle-mini: ready"), std::string::npos);
  ASSERT_EQ(cache.templates().size(), 1u);
  // The report says so: the first run made the template, the second used it.
  EXPECT_THAT(test::read_file(first.junit),
              HasSubstr("<property name=\"boot_cache\" value=\"made\""));
  EXPECT_THAT(test::read_file(second.junit),
              HasSubstr("<property name=\"boot_cache\" value=\"used\""));
  EXPECT_THAT(test::read_file(second.junit), HasSubstr("<property name=\"reset\" value=\"clone\""));

  // Another provisioning step: another key, a new template beside the first.
  const fs::path b = cache_suite(suites, "cache-b", "/srv/b");
  const RunOutcome changed = hurdle_run("cache-changed", {b.string()});
  EXPECT_EQ(changed.status, 0) << changed.out;
  EXPECT_THAT(suite_log(changed, "cache-b", "machine.log"), HasSubstr("making the template"));
  EXPECT_EQ(cache.templates().size(), 2u);

  // Another profile (the same guest with less memory): another key again.
  const fs::path profile = suites / "linux-mini-small.yaml";
  std::string text = test::read_file(test::source_dir() / "fixtures/machines/linux-mini.yaml");
  ASSERT_NE(text.find("memory: 512M"), std::string::npos);
  text.replace(text.find("memory: 512M"), 12, "memory: 384M");
  std::ofstream(profile) << text;
  const fs::path c = cache_suite(suites, "cache-c", "/srv/a", profile.string());
  const RunOutcome other_profile = hurdle_run("cache-profile", {c.string()});
  EXPECT_EQ(other_profile.status, 0) << other_profile.out;
  EXPECT_THAT(suite_log(other_profile, "cache-c", "machine.log"), HasSubstr("making the template"));
  EXPECT_EQ(cache.templates().size(), 3u);

  // `hurdle cache list` shows the three; `gc --unused-days 0` removes them all.
  const auto [list_status, list] = test::hurdle_command({"cache", "list", "--json"});
  EXPECT_EQ(list_status, 0) << list;
  const auto listed = nlohmann::json::parse(list);
  EXPECT_EQ(listed.size(), 3u);
  for (const auto& t : listed) {
    EXPECT_EQ(t.at("machine"), "linux-mini");
    EXPECT_EQ(t.at("problem"), "");
    EXPECT_GT(t.at("disk_bytes").get<std::uint64_t>(), 0u);
  }
  const auto [gc_status, gc] = test::hurdle_command({"cache", "gc", "--unused-days", "0"});
  EXPECT_EQ(gc_status, 0) << gc;
  EXPECT_THAT(gc, HasSubstr("3 removed"));
  EXPECT_TRUE(cache.templates().empty());
}

// A template in the boot cache may have come from a pack someone else wrote (hurdle cache
// unpack): its variables.json gives the run what provisioning captured, never a suite variable.
TEST(HurdleRun, ACachedTemplatesVariablesNeverOverrideTheSuites) {
  const BootCacheFolder cache("boot-cache-variables");
  fs::create_directories(cache.dir);
  const fs::path suite = cache.dir / "variables.yaml";
  std::ofstream(suite) << R"(suite: variables
machine: linux-mini
variables:
  greeting: from the suite
boot:
  login: true
  provision:
    - ssh.run: { command: echo id=guest1, stdout_matches: 'id=(?P<guest_id>\w+)' }
scenarios:
  - name: says-it
    steps:
      - ssh.run: { command: 'echo "${greeting} ${guest_id}"', stdout: "from the suite guest1\n" }
)";
  const RunOutcome first = hurdle_run("variables-first", {suite.string()});
  EXPECT_EQ(first.status, 0) << first.out;
  ASSERT_EQ(cache.templates().size(), 1u);
  // What a forged pack would carry: another greeting.
  const fs::path kept = cache.templates()[0] / "variables.json";
  auto variables = nlohmann::json::parse(test::read_file(kept));
  EXPECT_EQ(variables.at("greeting"), "from the suite");
  EXPECT_EQ(variables.at("guest_id"), "guest1");
  variables["greeting"] = "from the pack";
  fs::permissions(kept, fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(kept) << variables.dump();

  // The scenario still prints the suite's greeting (and the capture the template kept).
  const RunOutcome second = hurdle_run("variables-second", {suite.string()});
  EXPECT_EQ(second.status, 0) << second.out;
  const std::string log =
      all_logs(fs::directory_iterator(second.reports)->path() / "variables" / "machine");
  EXPECT_THAT(log, HasSubstr("is ready; no boot"));
}

// Clones that cannot work on this host (here: a boot cache folder that cannot be made) fall
// back to snapshot resets, and the run passes, saying why; a suite that asks for clones is an
// error instead.
TEST(HurdleRun, ClonesThatCannotWorkHereFallBackToSnapshots) {
  const BootCacheFolder cache("boot-cache-broken");
  const fs::path a = cache_suite(cache.dir / "suites", "cache-a", "/srv/a");
  std::ofstream(cache.dir / "templates") << "a file where the templates' folder goes\n";
  const RunOutcome run = hurdle_run("clone-fallback", {a.string()});
  EXPECT_EQ(run.status, 0) << run.out;
  const std::string junit = test::read_file(run.junit);
  EXPECT_THAT(junit, HasSubstr("<property name=\"reset\" value=\"snapshot\""));
  EXPECT_THAT(junit, HasSubstr("snapshot instead of clone: the template could not be made or "
                               "opened"));
  EXPECT_THAT(suite_log(run, "cache-a", "machine.log"),
              HasSubstr("reset: clone failed on this host ("));
  const RunOutcome asked = hurdle_run("clone-asked", {a.string()}, {"--reset", "clone"});
  EXPECT_EQ(asked.status, 3) << asked.out;
  EXPECT_THAT(asked.out, HasSubstr("the template could not be made or opened"));
}

// Damage each part of a cached template in turn: the run notices, says so in its report,
// makes the template anew and passes.
TEST(HurdleRun, ADamagedTemplateIsMadeAnewAndTheRunStillPasses) {
  const BootCacheFolder cache("boot-cache-damaged");
  const fs::path a = cache_suite(cache.dir / "suites", "cache-a", "/srv/a");
  ASSERT_EQ(hurdle_run("damaged-first", {a.string()}).status, 0);
  ASSERT_EQ(cache.templates().size(), 1u);
  struct Damage {
    const char* what;
    std::function<void(const fs::path&)> apply;
    const char* seen;  // in machine.log and the report
  };
  const std::vector<Damage> damages = {
      {"a truncated state", [](const fs::path& t) { fs::resize_file(t / "machine.state", 1000); },
       "is damaged: its state"},
      {"a truncated RAM file",
       [](const fs::path& t) {
         fs::resize_file(nlohmann::json::parse(test::read_file(t / "saved-machine.json"))
                             .at("ram")
                             .get<std::string>(),
                         4096);
       },
       "is damaged: its RAM file"},
      {"an emptied disk",
       [](const fs::path& t) {
         fs::permissions(t / "scratch.qcow2", fs::perms::owner_write, fs::perm_options::add);
         fs::resize_file(t / "scratch.qcow2", 0);
       },
       "scratch.qcow2: not a qcow2 disk hurdle can use: it has no qcow2 header"},
      // What a pack could carry: a disk whose header names a host file. It is never opened;
      // the run makes its own.
      {"a disk naming a host file",
       [&](const fs::path& t) {
         std::ofstream(cache.dir / "canary") << "the host's secret\n";
         const auto r =
             run_program({"qemu-img", "create", "-q", "-f", "qcow2", "-u", "-F", "raw", "-b",
                          (cache.dir / "canary").string(), (t / "scratch.qcow2").string(), "64M"});
         ASSERT_TRUE(r.ok()) << r.err;
       },
       "a disk hurdle will not open: its backing file is '"},
  };
  int n = 0;
  for (const auto& damage : damages) {
    damage.apply(cache.templates().at(0));
    const RunOutcome run = hurdle_run("damaged-" + std::to_string(n++), {a.string()});
    EXPECT_EQ(run.status, 0) << damage.what << "\n" << run.out;
    EXPECT_THAT(run.out, HasSubstr("1 scenario(s): 1 passed")) << damage.what;
    EXPECT_THAT(run.out, HasSubstr(damage.seen)) << damage.what;
    EXPECT_THAT(suite_log(run, "cache-a", "machine.log"), HasSubstr(damage.seen)) << damage.what;
    EXPECT_THAT(suite_log(run, "cache-a", "machine.log"), HasSubstr("making the template"))
        << damage.what;
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_file(run.junit.c_str()));
    EXPECT_THAT(testcase(doc, "cache-a", "sees-it").child("system-out").text().get(),
                HasSubstr(damage.seen))
        << damage.what;
    ASSERT_EQ(cache.templates().size(), 1u) << damage.what;
  }
}

// The outcome of each test case in a JUnit file: "passed", or the failure or error type.
std::map<std::string, std::string> outcomes(const fs::path& junit) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_file(junit.c_str())) << junit;
  std::map<std::string, std::string> out;
  for (const auto& t : doc.select_nodes("//testcase")) {
    const auto c = t.node();
    std::string outcome = "passed";
    if (const auto f = c.child("failure"))
      outcome = std::string("failure ") + f.attribute("type").value();
    if (const auto e = c.child("error"))
      outcome = std::string("error ") + e.attribute("type").value();
    if (c.child("skipped")) outcome = "skipped";
    out[std::string(c.attribute("classname").value()) + "." + c.attribute("name").value()] =
        outcome;
  }
  return out;
}

// Each test suite's properties in a JUnit file: suite name -> property name -> value.

// The JUnit file in document order, times, timestamps and paths (a lane's logs are elsewhere)
// left out: every suite with its properties' names and values, every case with its outcome
// and message.
std::vector<std::string> junit_in_order(const fs::path& junit) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_file(junit.c_str())) << junit;
  std::vector<std::string> out;
  for (const auto& s : doc.select_nodes("//testsuite")) {
    out.push_back(std::string("suite ") + s.node().attribute("name").value());
    for (const auto& p : s.node().child("properties").children("property")) {
      const std::string name = p.attribute("name").value();
      // The boot cache: made by the first run, used by the second.
      if (name == "boot.seconds" || name == "boot_cache") continue;
      out.push_back("  " + name + "=" + p.attribute("value").value());
    }
    for (const auto& c : s.node().children("testcase")) {
      std::string line = std::string("  case ") + c.attribute("name").value();
      for (const char* what : {"failure", "error", "skipped"})
        if (const auto e = c.child(what))
          line += std::string(" ") + what + " " + e.attribute("type").value() + ": " +
                  e.attribute("message").value();
      out.push_back(line);
    }
  }
  return out;
}

// -j 2: the same test cases with the same outcomes as one at a time, and the same facts of
// each suite (QEMU's version, the accelerator, the images), each scenario with its own report
// files; a chained group stays in one lane, in order.
TEST(HurdleRun, TwoJobsGiveTheSameOutcomesAsOne) {
  const std::vector<std::string> suites = {"scenarios/examples/linux-mini.yaml",
                                           "tests/data/suites/chained.yaml"};
  const RunOutcome one = hurdle_run("jobs-1", suites);
  const RunOutcome two = hurdle_run("jobs-2", suites, {"-j", "2"});
  EXPECT_EQ(one.status, 1) << one.out;
  EXPECT_EQ(two.status, 1) << two.out;
  const auto a = outcomes(one.junit);
  EXPECT_EQ(a.size(), 12u);
  EXPECT_EQ(outcomes(two.junit), a);
  EXPECT_EQ(a.at("chained.after-a-failure"), "error PredecessorNotPassed");
  EXPECT_EQ(xmllint_status(two.junit), 0);
  auto facts_one = suite_properties(one.junit);
  auto facts_two = suite_properties(two.junit);
  for (auto* facts : {&facts_one, &facts_two})
    for (auto& [suite, props] : *facts) {
      props.erase("boot_cache");  // made once, then used
      props.erase("boot.seconds");
    }
  EXPECT_EQ(facts_two, facts_one);
  // The same file, in the same order, apart from times and paths.
  EXPECT_EQ(junit_in_order(two.junit), junit_in_order(one.junit));
  for (const char* suite : {"linux-mini", "chained"}) {
    for (const char* fact : {"qemu.version", "accelerator", "image.scratch.sha256", "reset"})
      EXPECT_EQ(facts_two[suite].count(fact), 1u) << suite << " has no " << fact;
  }
  const fs::path run_dir = fs::directory_iterator(two.reports)->path();
  for (const char* suite : {"linux-mini", "chained"}) {
    const fs::path machine = run_dir / suite / "machine";
    // The template's boot logs where the suite's machine does; each lane apart.
    EXPECT_THAT(test::read_file(machine / "machine.log"), HasSubstr("making the template"));
    for (const char* lane : {"lane-1", "lane-2"}) {
      EXPECT_THAT(test::read_file(machine / lane / "machine.log"), HasSubstr("reset for "))
          << suite << " " << lane;
      EXPECT_THAT(all_logs(machine / lane), HasSubstr("clone ready")) << suite << " " << lane;
    }
  }
  // Each scenario's slice of the logs is its own: its command, no other scenario's.
  const fs::path kernel = run_dir / "linux-mini" / "kernel-is-linux";
  EXPECT_THAT(test::read_file(kernel / "channel.log"), HasSubstr("$ uname -s"));
  EXPECT_EQ(test::read_file(kernel / "channel.log").find("/root/chain"), std::string::npos);
  // A chained group ran in one lane: the lane whose log shows `writes` keeping its end state
  // also restores it for reads-again.
  bool together = false;
  for (const char* lane : {"lane-1", "lane-2"}) {
    const std::string log = all_logs(run_dir / "chained" / "machine" / lane);
    if (log.find("snapshot saved: end-0") != std::string::npos)
      together = log.find("restored end-0") != std::string::npos;
  }
  EXPECT_TRUE(together);
  // --repeat runs one at a time: with -j it is refused before anything starts.
  const RunOutcome refused = hurdle_run("jobs-repeat", suites, {"-j", "2", "--repeat", "2"});
  EXPECT_EQ(refused.status, 2) << refused.out;
  EXPECT_THAT(refused.out, HasSubstr("--repeat runs one scenario at a time"));
}

// --repeat runs a chained pair twice: the second chained-writes must replace its own end state
// from the first round (a tag cannot be saved twice), so chained-reads starts from this
// round's end.
TEST(HurdleRun, ARepeatedChainedPairKeepsEachRoundsEndState) {
  const RunOutcome run = hurdle_run("repeat-chained", {"scenarios/examples/linux-mini.yaml"},
                                    {"--filter", "*chained*", "--repeat", "2"});
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("4 scenario(s): 4 passed"));
  const fs::path run_dir = fs::directory_iterator(run.reports)->path();
  const std::string log = all_logs(run_dir / "linux-mini" / "machine");
  // Each round's chained-writes kept its end state (saved twice) and chained-reads released it.
  EXPECT_EQ(count_of(log, "snapshot saved: end-"), 2u) << log;
  EXPECT_THAT(log, HasSubstr("snapshot deleted: end-3\n"));
}

TEST(HurdleRun, AFailedScenarioIsRolledBackAndThePanicWatcherFailsFast) {
  // As on GitHub Actions: each failure is also a workflow command on its suite file's line.
  ::setenv("GITHUB_ACTIONS", "true", 1);
  ::setenv("GITHUB_WORKSPACE", test::source_dir().c_str(), 1);
  const RunOutcome run = hurdle_run(
      "failing", {"tests/data/suites/gnumach-panic.yaml", "tests/data/suites/rollback.yaml"});
  ::unsetenv("GITHUB_ACTIONS");
  ::unsetenv("GITHUB_WORKSPACE");
  EXPECT_EQ(run.status, 1) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\n::error file=tests/data/suites/rollback.yaml,line=9,"
                                 "title=rollback.dirties-then-fails failed::"));
  EXPECT_THAT(run.out, HasSubstr("::error file=tests/data/suites/gnumach-panic.yaml,line="));
  EXPECT_EQ(run.out.find("title=rollback.sees-no-dirt"), std::string::npos);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str())) << run.out;
  EXPECT_EQ(xmllint_status(run.junit), 0);
  EXPECT_FALSE(testcase(doc, "gnumach-panic", "panics-as-expected").child("failure"));
  const auto login = testcase(doc, "gnumach-panic", "waits-for-login-in-vain");
  ASSERT_TRUE(login.child("failure")) << run.out;
  EXPECT_THAT(login.child("failure").attribute("message").value(),
              HasSubstr("panic ../kern/bootstrap.c:181: bootstrap_create"));
  // Failed through the watcher, well before its 120 s time-out.
  EXPECT_LT(login.attribute("time").as_double(), 30.0);
  const auto dirty = testcase(doc, "rollback", "dirties-then-fails");
  EXPECT_STREQ(dirty.child("failure").attribute("type").value(), "StepFailed");
  EXPECT_THAT(dirty.child("failure").attribute("message").value(),
              HasSubstr("rollback.yaml:9:9: ssh.run `cat /root/dirty`: expected stdout "
                        "\"clean\\n\", got \"dirt\\n\""));
  // The artifacts of the failure are attached.
  EXPECT_THAT(dirty.child("system-out").text().get(), HasSubstr("screenshot.png]]"));
  EXPECT_THAT(dirty.child("system-out").text().get(), HasSubstr("console-tail.txt]]"));
  // And its own slices of the logs: what SSH ran and answered, the console, QMP.
  for (const char* log : {"/ssh.log]]", "/console.txt]]", "/qmp.log]]"})
    EXPECT_THAT(dirty.child("system-out").text().get(),
                HasSubstr(std::string("dirties-then-fails") + log));
  EXPECT_FALSE(testcase(doc, "rollback", "sees-no-dirt").child("failure"))
      << "the scenario after a failed one saw its /root/dirty";
}

// The guest reaches services that steps start on the host (HTTP through busybox wget, a line
// through nc), and a scenario checks what they received; a power cycle keeps the disk, and the
// scenarios after one (even one that failed with the machine off) start from `pristine`.
TEST(HurdleRun, HostServicesAndPowerCyclesInASuite) {
  // Snapshot resets: a scenario after a power-off then restores `pristine` onto the disks the
  // power-off left, which starts QEMU again (a clone would simply be new).
  const RunOutcome run = hurdle_run("host-and-power", {"tests/data/suites/host-and-power.yaml"},
                                    {"--reset", "snapshot"});
  EXPECT_EQ(run.status, 1) << run.out;
  EXPECT_EQ(xmllint_status(run.junit), 0);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str())) << run.out;
  const char* suite = "host-and-power";
  for (const char* passing : {"guest-reaches-an-http-service", "guest-reaches-a-line-service",
                              "data-survives-a-power-cycle", "starts-pristine-after-a-power-cycle",
                              "sees-no-dirt-after-the-power-off"}) {
    const auto t = testcase(doc, suite, passing);
    ASSERT_TRUE(t) << passing;
    EXPECT_FALSE(t.child("failure"))
        << passing << ": " << t.child("failure").attribute("message").value();
    EXPECT_FALSE(t.child("error"))
        << passing << ": " << t.child("error").attribute("message").value();
  }
  const auto unreached = testcase(doc, suite, "nothing-reaches-the-host").child("failure");
  EXPECT_STREQ(unreached.attribute("type").value(), "TimeoutError");
  EXPECT_THAT(unreached.attribute("message").value(),
              HasSubstr("host-and-power.yaml:25:9: host.expect `web 'GET'`: host service web "
                        "(127.0.0.1:"));
  EXPECT_THAT(unreached.attribute("message").value(),
              HasSubstr("no request matching 'GET' within 2.00 s; 0 connection(s) came"));
  // Asking a machine the scenario powered off is the scenario's failure, not an error of QEMU.
  const auto off = testcase(doc, suite, "powered-off-then-asks-the-guest").child("failure");
  EXPECT_STREQ(off.attribute("type").value(), "QemuError");
  EXPECT_THAT(off.attribute("message").value(),
              HasSubstr("ssh.run `uname -s`: linux-mini: cannot reach its guest over SSH: the "
                        "machine is powered-off (power_on() or a restore starts it again)"));
  const auto never = testcase(doc, suite, "a-power-off-that-does-not-come").child("failure");
  EXPECT_STREQ(never.attribute("type").value(), "TimeoutError");
  EXPECT_THAT(
      never.attribute("message").value(),
      HasSubstr("`true` did not power the guest off within 2.00 s (no SHUTDOWN from QEMU)"));

  const fs::path run_dir = fs::directory_iterator(run.reports)->path();
  const std::string log = test::read_file(run_dir / suite / "machine" / "machine.log");
  EXPECT_THAT(log, HasSubstr("powered off after"));
  EXPECT_THAT(log,
              HasSubstr(": QEMU's SHUTDOWN event (guest-shutdown); QEMU exited with status 0"));
  EXPECT_THAT(log, HasSubstr("starting QEMU again on the same disks (power_on)"));
  EXPECT_THAT(log, HasSubstr("starting QEMU again on the same disks (to load snapshot pristine)"));
  // What each service received is in the machine log, and in the scenario's slice of it.
  EXPECT_THAT(test::read_file(run_dir / suite / "guest-reaches-an-http-service" / "machine.log"),
              HasSubstr("complete: 'GET /probe?from=guest HTTP/1.1'"));
  EXPECT_THAT(test::read_file(run_dir / suite / "guest-reaches-a-line-service" / "machine.log"),
              HasSubstr("complete: 'hello-host'"));
}

// Every test case of a JUnit file as "classname name outcome", sorted.
std::vector<std::string> cases_and_outcomes(const fs::path& junit) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_file(junit.c_str())) << junit;
  std::vector<std::string> out;
  for (const auto& x : doc.select_nodes("//testcase")) {
    const auto t = x.node();
    const char* outcome = t.child("failure")   ? "failed"
                          : t.child("error")   ? "error"
                          : t.child("skipped") ? "skipped"
                                               : "passed";
    out.push_back(std::string(t.attribute("classname").value()) + " " +
                  t.attribute("name").value() + " " + outcome);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The nightly shape on one machine: three shards of the example suite one after another, then
// `hurdle report merge`, give exactly the test cases of one unsharded run with the same
// outcomes (the chained pair stays in one shard); `hurdle report summary` counts them.
TEST(HurdleRun, ThreeShardsMergedAreTheUnshardedRun) {
  const RunOutcome whole = hurdle_run("shards-whole", {"scenarios/examples/linux-mini.yaml"});
  ASSERT_EQ(whole.status, 0) << whole.out;
  std::vector<std::string> merge = {"report", "merge"};
  const fs::path merged = whole.junit.parent_path() / "merged.xml";
  merge.push_back(merged.string());
  std::size_t ran = 0;
  for (int i = 0; i < 3; ++i) {
    const RunOutcome shard =
        hurdle_run("shard-" + std::to_string(i), {"scenarios/examples/linux-mini.yaml"},
                   {"--shard", std::to_string(i) + "/3"});
    EXPECT_EQ(shard.status, 0) << shard.out;
    ran += cases_and_outcomes(shard.junit).size();
    merge.push_back(shard.junit.string());
  }
  EXPECT_EQ(ran, 6u);  // no scenario in two shards, none in none
  const auto [status, out] = test::hurdle_command(merge);
  ASSERT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("3 report(s), 1 suite(s), 6 scenario(s)"));
  EXPECT_EQ(xmllint_status(merged), 0);
  EXPECT_EQ(cases_and_outcomes(merged), cases_and_outcomes(whole.junit));
  const auto [summary_status, summary] =
      test::hurdle_command({"report", "summary", merged.string()});
  EXPECT_EQ(summary_status, 0);
  EXPECT_THAT(summary, HasSubstr("## hurdle: 6 passed, 0 failed, 0 error(s), 0 skipped of 6 "
                                 "scenario(s)"));
  EXPECT_THAT(summary, HasSubstr("| linux-mini | 6 | 0 | 0 | 0 |"));
}

// A shard killed outright (SIGKILL, as a CI job's time limit ends it) in the middle of its
// first scenario: its report, written before it started, still lists both of its scenarios, as
// errors that say they were not run; merged with a shard that ran, the merged report has every
// scenario, and the summary counts the errors. A report given twice is an error naming both.
TEST(HurdleRun, AShardKilledHalfwayLeavesItsScenariosAsNotRunErrors) {
  SlowRun run("run-killed");
  ASSERT_TRUE(pristine_saved_within(run.dir / "reports", std::chrono::seconds(120)));
  ::kill(run.process.id(), SIGKILL);
  (void)run.out.read_all();
  (void)run.process.wait();
  const fs::path& dir = run.dir;
  const fs::path& junit = run.junit;

  EXPECT_EQ(xmllint_status(junit), 0);
  const std::vector<std::string> planned = {"slow never-runs error", "slow sleeps error"};
  EXPECT_EQ(cases_and_outcomes(junit), planned);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(junit.c_str()));
  const auto sleeps = testcase(doc, "slow", "sleeps").child("error");
  EXPECT_STREQ(sleeps.attribute("type").value(), "NotRun");
  EXPECT_THAT(sleeps.attribute("message").value(),
              HasSubstr("not run: the run ended before this scenario"));
  EXPECT_EQ(testcase(doc, "slow", "sleeps").attribute("line").as_int(), 5);

  // Merged with a shard that ran (the rollback suite): every scenario of both, once.
  const RunOutcome other = hurdle_run("killed-other", {"tests/data/suites/rollback.yaml"});
  const fs::path merged = dir / "merged.xml";
  auto [status, text] = test::hurdle_command(
      {"report", "merge", merged.string(), junit.string(), other.junit.string()});
  ASSERT_EQ(status, 0) << text;
  EXPECT_EQ(cases_and_outcomes(merged),
            (std::vector<std::string>{"rollback dirties-then-fails failed",
                                      "rollback sees-no-dirt passed", "slow never-runs error",
                                      "slow sleeps error"}));
  std::tie(status, text) = test::hurdle_command({"report", "summary", merged.string()});
  EXPECT_THAT(text, HasSubstr("1 passed, 1 failed, 2 error(s), 0 skipped of 4 scenario(s)"));
  EXPECT_THAT(text, HasSubstr("**ERROR** slow.sleeps ("));
  EXPECT_THAT(text, HasSubstr("slow.yaml:5), NotRun"));

  // The same shard's report twice: kept once, as an error that names both files.
  const fs::path twice = dir / "twice.xml";
  std::tie(status, text) = test::hurdle_command(
      {"report", "merge", twice.string(), other.junit.string(), other.junit.string()});
  ASSERT_EQ(status, 0) << text;
  EXPECT_EQ(cases_and_outcomes(twice),
            (std::vector<std::string>{"rollback dirties-then-fails error",
                                      "rollback sees-no-dirt error"}));
  pugi::xml_document twice_doc;
  ASSERT_TRUE(twice_doc.load_file(twice.c_str()));
  EXPECT_THAT(
      testcase(twice_doc, "rollback", "sees-no-dirt").child("error").attribute("message").value(),
      HasSubstr("rollback.sees-no-dirt was reported by two inputs: " + other.junit.string() +
                " (passed) and " + other.junit.string() + " (passed)"));
}

// `hurdle report html` of a real failing run, opened in headless Chromium as a person would:
// the DOM holds the totals, the failed scenario with its message and steps, and a link to the
// console tail that leads to the file; the page renders to a PNG (kept in the test's folder).
TEST(HurdleReport, TheHtmlPageOfAFailingRunRendersInChromium) {
  namespace bp = boost::process::v2;
  const RunOutcome run = hurdle_run("html", {"tests/data/suites/rollback.yaml"});
  ASSERT_EQ(run.status, 1) << run.out;
  const fs::path page = run.reports / "report.html";
  auto [status, text] =
      test::hurdle_command({"report", "html", run.junit.string(), "-o", page.string()});
  ASSERT_EQ(status, 0) << text;

  const auto chromium = [&](std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--user-data-dir=" + (run.reports / "chromium").string()});
    args.push_back("file://" + page.string());
    boost::asio::io_context ctx;
    test::MergedOutput err(ctx);
    boost::asio::readable_pipe out(ctx);
    bp::process p(ctx, bp::environment::find_executable("chromium"), args,
                  bp::process_stdio{nullptr, out, err.fd()});
    std::string dom;
    boost::system::error_code ec;
    for (char buffer[65536];;) {
      const std::size_t n = out.read_some(boost::asio::buffer(buffer), ec);
      if (ec) break;
      dom.append(buffer, n);
    }
    (void)err.read_all();
    EXPECT_EQ(p.wait(), 0);
    return dom;
  };
  const std::string dom = chromium({"--dump-dom"});
  EXPECT_THAT(dom, HasSubstr("<span class=\"passed\">1 passed</span>"));
  EXPECT_THAT(dom, HasSubstr("<span class=\"failed\">1 failed</span>"));
  EXPECT_THAT(dom, HasSubstr("id=\"case-rollback-0\""));
  EXPECT_THAT(dom, HasSubstr("rollback.yaml:9:9: ssh.run `cat /root/dirty`: expected stdout "
                             "\"clean\\n\", got \"dirt\\n\""));
  EXPECT_THAT(dom, HasSubstr("ssh.run `echo dirt &gt; /root/dirty`"));
  const std::string href = "href=\"";
  const auto link = dom.find(href, dom.find(">console-tail.txt<") - 200);
  ASSERT_NE(link, std::string::npos);
  const std::string target =
      dom.substr(link + href.size(), dom.find('"', link + href.size()) - link - href.size());
  EXPECT_TRUE(fs::exists(run.reports / target)) << target;
  // The failed clone's console: it printed nothing (every step went over SSH), and says so.
  EXPECT_THAT(test::read_file(run.reports / target),
              HasSubstr("the serial console printed nothing on this scenario's machine"));

  const fs::path png = run.reports / "report.png";
  (void)chromium({"--screenshot=" + png.string(), "--window-size=1280,1600"});
  const std::string image = test::read_file(png);
  ASSERT_GT(image.size(), 10000u);
  EXPECT_EQ(image.substr(0, 8), "\x89PNG\r\n\x1a\n");
}

// --keep-failed-state saves the failing machine before the rollback (the next scenario still
// starts clean), small enough for an artifact; `hurdle resume` in a fresh process, driven
// through tmux as a person would, starts it where it failed: on its console, the file the
// scenario wrote before failing is there; Ctrl-] leaves and QEMU is gone.
TEST(HurdleResume, AFailedScenariosMachineResumesWithWhatItHadWritten) {
  const RunOutcome run = hurdle_run("keep-failed", {"tests/data/suites/keep-failed-state.yaml"},
                                    {"--keep-failed-state"});
  ASSERT_EQ(run.status, 1) << run.out;
  EXPECT_THAT(run.out, HasSubstr("PASS   keep-failed-state.starts-clean"));
  const fs::path run_dir = fs::directory_iterator(run.reports)->path();
  const fs::path saved = run_dir / "keep-failed-state" / "writes-then-fails" / "failed-state";
  for (const char* file : {"saved-machine.json", "machine.state.gz", "scratch.qcow2"})
    EXPECT_TRUE(fs::exists(saved / file)) << file;
  std::uintmax_t bytes = 0;
  for (const auto& e : fs::directory_iterator(saved)) bytes += fs::file_size(e.path());
  EXPECT_LT(bytes, 100u << 20);  // 512 MiB of guest RAM and a disk: under 100 MiB saved
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str()));
  EXPECT_THAT(
      testcase(doc, "keep-failed-state", "writes-then-fails").child("system-out").text().get(),
      HasSubstr("failed-state/saved-machine.json]]"));

  const test::TmuxSession session(
      "hurdle-resume-test",
      "env HURDLE_PROFILE_PATH=" + (test::source_dir() / "fixtures/machines").string() + " " +
          test::hurdle_program().string() + " resume --accel tcg " + saved.string() +
          "; echo EXITED $?; sleep 120");
  std::string screen = session.wait_for("Ctrl-] leaves", std::chrono::seconds(120));
  ASSERT_THAT(screen, HasSubstr("Ctrl-] leaves")) << screen;
  EXPECT_THAT(screen, HasSubstr("SSH: ssh -p "));
  session.keys({"root", "Enter"});
  screen = session.wait_for("root@hurdle-mini", std::chrono::seconds(60));
  session.keys({"cat /root/marker", "Enter"});
  screen = session.wait_for("written-before-the-failure", std::chrono::seconds(60), true);
  EXPECT_THAT("\n" + screen, HasSubstr("\nwritten-before-the-failure\n")) << screen;
  session.keys({"C-]"});
  screen = session.wait_for("EXITED 0", std::chrono::seconds(60));
  EXPECT_THAT(screen, HasSubstr("EXITED 0")) << screen;
  const std::string log = test::read_file(saved / "resumed-logs" / "machine.log");
  const auto at = log.find("QEMU pid ");
  ASSERT_NE(at, std::string::npos);
  const std::string pid = log.substr(at + 9, log.find('\n', at) - at - 9);
  EXPECT_FALSE(fs::exists("/proc/" + pid)) << "QEMU pid " << pid << " is still there";
}

TEST(HurdleResume, AFolderThatIsNoSavedMachineIsBadInput) {
  const auto [status, text] = test::hurdle_command({"resume", "/nonexistent/failed-state"});
  EXPECT_EQ(status, 2) << text;
  EXPECT_THAT(text, HasSubstr("saved-machine.json is missing (is this a failed-state folder?)"));
}

// `retries` against a real service on the host that is down at first: the scenario passes on
// its second attempt and is reported as flaky, never as a plain pass; one whose service stays
// down fails after its attempts; --fail-fast then leaves the last scenario unrun, and the
// report still lists it as skipped.
TEST(HurdleRun, RetriesReportFlakyScenariosAndFailFastReportsWhatItSkipped) {
  test::ScriptedHttpService service({{"/flaky", {503, 200}}, {"/down", {503}}});
  ::setenv("HURDLE_TEST_SERVICE_PORT", std::to_string(service.port()).c_str(), 1);
  const RunOutcome run = hurdle_run("retries", {"tests/data/suites/retries.yaml"}, {"--fail-fast"});
  EXPECT_EQ(run.status, 1) << run.out;
  EXPECT_EQ(service.requests("/flaky"), 2) << run.out;
  EXPECT_EQ(service.requests("/down"), 2) << run.out;  // retries: 1
  EXPECT_THAT(run.out, HasSubstr("FLAKY  retries.service-comes-up  "));
  EXPECT_THAT(run.out, HasSubstr("(2 attempts)"));
  EXPECT_THAT(run.out, HasSubstr("SKIP   retries.not-run-after-a-failure\n"));
  EXPECT_THAT(run.out, HasSubstr("3 scenario(s): 1 passed (1 flaky: passed only on a retry), "
                                 "1 failed, 0 error(s), 1 not run"));
  EXPECT_THAT(run.out, HasSubstr("flaky: retries.service-comes-up (2 attempts)"));

  EXPECT_EQ(xmllint_status(run.junit), 0);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str())) << run.out;
  const auto suite = doc.select_node("//testsuite[@name='retries']").node();
  EXPECT_EQ(suite.attribute("tests").as_int(), 3);
  EXPECT_EQ(suite.attribute("failures").as_int(), 1);
  EXPECT_EQ(suite.attribute("skipped").as_int(), 1);
  const auto flaky = testcase(doc, "retries", "service-comes-up");
  EXPECT_FALSE(flaky.child("failure"));
  const auto props = flaky.child("properties");
  EXPECT_STREQ(
      props.find_child_by_attribute("property", "name", "flaky").attribute("value").value(),
      "true");
  EXPECT_EQ(
      props.find_child_by_attribute("property", "name", "attempts").attribute("value").as_int(), 2);
  const auto down = testcase(doc, "retries", "service-stays-down");
  EXPECT_STREQ(down.child("failure").attribute("type").value(), "StepFailed");
  EXPECT_THAT(down.child("failure").attribute("message").value(), HasSubstr("HTTP/1.0 503"));
  EXPECT_EQ(down.child("properties")
                .find_child_by_attribute("property", "name", "attempts")
                .attribute("value")
                .as_int(),
            2);
  const auto skipped = testcase(doc, "retries", "not-run-after-a-failure");
  ASSERT_TRUE(skipped.child("skipped")) << run.out;
  EXPECT_THAT(skipped.child("skipped").attribute("message").value(),
              HasSubstr("--fail-fast), retries.service-stays-down"));
  EXPECT_EQ(skipped.attribute("line").as_int(), 20);

  const fs::path run_dir = fs::directory_iterator(run.reports)->path();
  const auto summary = nlohmann::json::parse(test::read_file(run_dir / "summary.json"));
  EXPECT_EQ(summary.at("totals").at("flaky"), 1);
  EXPECT_EQ(summary.at("totals").at("failed"), 1);
  EXPECT_EQ(summary.at("totals").at("skipped"), 1);
}

// A signal that comes before any machine exists (while the suites load: `hurdle run`
// interrupts each runner as it is made) is honoured: the scenario is an error naming it, and
// no machine is started for it.
TEST(SuiteRunner, AnInterruptBeforeTheBootStartsNoMachine) {
  RunOptions options;
  options.report_dir =
      fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / "interrupt-before-boot";
  fs::remove_all(options.report_dir);
  options.accel = Accelerator::kTcg;
  SuiteRunner runner(load_suite(test::source_dir() / "scenarios/examples/linux-mini.yaml"),
                     options);
  runner.interrupt("SIGINT");
  const ScenarioResult r = runner.run_scenario(0);
  EXPECT_EQ(r.status, Verdict::kError);
  EXPECT_THAT(r.message, HasSubstr("interrupted by SIGINT"));
  EXPECT_EQ(runner.machine(), nullptr);
  EXPECT_FALSE(fs::exists(options.report_dir / "linux-mini" / "machine" / "qemu.log"))
      << "QEMU was started for an interrupted run";
}

TEST(HurdleRun, SigintMidScenarioLeavesAValidReportAndNoQemu) {
  SlowRun run("run-sigint");
  const fs::path& dir = run.dir;
  const fs::path& junit = run.junit;
  auto& p = run.process;
  auto& out = run.out;
  std::string text;
  // Once `pristine` is saved, the next thing is the scenario's `sleep 60` (the machine is in
  // that state already: no restore comes first).
  ASSERT_TRUE(pristine_saved_within(dir / "reports", std::chrono::seconds(120)));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // into `sleep 60`
  ::kill(p.id(), SIGINT);
  text = out.read_all();
  const int status = p.wait();
  EXPECT_TRUE(status == 1 || status == 3) << status << "\n" << text;
  EXPECT_THAT(text, HasSubstr("interrupted by SIGINT"));
  EXPECT_EQ(xmllint_status(junit), 0);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(junit.c_str()));
  EXPECT_EQ(doc.child("testsuites").attribute("tests").as_int(), 2);
  EXPECT_THAT(testcase(doc, "slow", "sleeps").child("error").attribute("message").value(),
              HasSubstr("interrupted by SIGINT"));
  // The QEMU it started is gone: its pid is in machine.log.
  std::string pid;
  for (const auto& e : fs::recursive_directory_iterator(dir / "reports")) {
    if (e.path().filename() != "machine.log") continue;
    const std::string log = test::read_file(e.path());
    const auto at = log.find("QEMU pid ");
    if (at != std::string::npos) pid = log.substr(at + 9, log.find('\n', at) - at - 9);
  }
  ASSERT_FALSE(pid.empty());
  EXPECT_FALSE(fs::exists("/proc/" + pid)) << "QEMU pid " << pid << " is still there";
}

// Output no report writer may choke on (ANSI colours, a NUL, invalid UTF-8, an unterminated
// escape string, multibyte text cut by an excerpt's limit) and a provisioning failure that
// quotes such output: every scenario is still in a JUnit file that xmllint accepts and in a
// summary.json that parses, the terminal gets no escape byte, and hurdle ends with exit 3
// (the machine that did not provision), never an abort.
TEST(HurdleRun, HostileGuestOutputLeavesValidCompleteReports) {
  const RunOutcome run = hurdle_run(
      "hostile", {"tests/data/suites/hostile-output.yaml", "tests/data/suites/hostile-boot.yaml"});
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_EQ(run.out.find('\x1b'), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find('\0'), std::string::npos);
  EXPECT_EQ(run.out.find('\xff'), std::string::npos);
  EXPECT_THAT(run.out, HasSubstr("FAIL   hostile-output.exit-status-with-junk"));
  EXPECT_THAT(run.out, HasSubstr("ERROR  hostile-boot.never-runs"));

  EXPECT_EQ(xmllint_status(run.junit), 0) << "JUnit rejected by xmllint";
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str())) << run.out;
  EXPECT_EQ(doc.child("testsuites").attribute("tests").as_int(), 8);
  EXPECT_EQ(doc.child("testsuites").attribute("failures").as_int(), 5);
  EXPECT_EQ(doc.child("testsuites").attribute("errors").as_int(), 1);
  const auto coloured = testcase(doc, "hostile-output", "coloured-failure").child("failure");
  ASSERT_TRUE(coloured) << run.out;
  EXPECT_THAT(
      coloured.attribute("message").value(),
      HasSubstr("got \"\u241b[1;31merror:\u241b[0m bad\u2401\u2400nul\ufffd\ufffd\u240d\\n\""));
  for (const char* name :
       {"exit-status-with-junk", "multibyte-cut", "console-junk-timeout", "endless-output"})
    EXPECT_TRUE(testcase(doc, "hostile-output", name).child("failure")) << name;
  // An escape string with no end no longer hides what the console prints after it.
  EXPECT_FALSE(testcase(doc, "hostile-output", "console-after-unterminated-osc").child("failure"));
  // The excerpt of 1024 bytes of "日本..." starts on a character, not in the middle of one.
  EXPECT_THAT(testcase(doc, "hostile-output", "multibyte-cut")
                  .child("failure")
                  .attribute("message")
                  .value(),
              HasSubstr("got \"...本日本"));
  EXPECT_TRUE(testcase(doc, "hostile-boot", "never-runs").child("error"));

  const fs::path run_dir = *fs::directory_iterator(run.reports);
  const auto summary = nlohmann::json::parse(std::ifstream(run_dir / "summary.json"));
  EXPECT_EQ(summary["exit_status"], 3);
  EXPECT_EQ(summary["totals"]["scenarios"], 8);
  EXPECT_EQ(summary["totals"]["failed"], 5);
  EXPECT_EQ(summary["totals"]["error"], 1);
  EXPECT_EQ(summary["totals"]["passed"], 2);
  for (const char* name : {"coloured-failure", "exit-status-with-junk", "multibyte-cut"}) {
    const fs::path steps = run_dir / "hostile-output" / name / "steps.json";
    const auto parsed = nlohmann::json::parse(std::ifstream(steps), nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << steps;
  }
}

// A new user's command from anywhere: the example suite by its path, run from an unrelated
// folder, with neither HURDLE_GUEST_DIR nor HURDLE_PROFILE_PATH set. The profile is found
// beside the suite, and the test guests beside the program's folder, whatever the build folder
// is called (ci/test builds in $HURDLE_BUILD_DIR).
TEST(HurdleRun, TheExampleSuiteRunsFromAnyFolderWithoutEnvironment) {
  const fs::path beside = test::hurdle_program().parent_path().parent_path() / "guests";
  if (fs::path(HURDLE_TEST_GUEST_DIR) != beside)
    GTEST_SKIP() << "this build keeps its guests outside the build folder ("
                 << HURDLE_TEST_GUEST_DIR << "): HURDLE_GUEST_DIR is the way to find them";
  namespace bp = boost::process::v2;
  const fs::path dir = fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / "anywhere";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // The child inherits this process's environment; both are set again at the end.
  const std::string profile_path =
      std::getenv("HURDLE_PROFILE_PATH") ? std::getenv("HURDLE_PROFILE_PATH") : "";
  ::unsetenv("HURDLE_GUEST_DIR");
  ::unsetenv("HURDLE_PROFILE_PATH");
  boost::asio::io_context ctx;
  test::MergedOutput out(ctx);
  bp::process p(ctx, test::hurdle_program().string(),
                {"run", "--accel", "tcg", "--filter", "linux-mini.kernel-is-linux",
                 (test::source_dir() / "scenarios/examples/linux-mini.yaml").string()},
                bp::process_stdio{nullptr, out.fd(), out.fd()},
                bp::process_start_dir{dir.string()});
  std::string text;
  text = out.read_all();
  const int status = p.wait();
  ::setenv("HURDLE_GUEST_DIR", HURDLE_TEST_GUEST_DIR, 1);
  if (!profile_path.empty()) ::setenv("HURDLE_PROFILE_PATH", profile_path.c_str(), 1);
  EXPECT_EQ(status, 0) << text;
  EXPECT_THAT(text, HasSubstr("PASS   linux-mini.kernel-is-linux"));
  EXPECT_TRUE(fs::exists(dir / "reports")) << "reports go to the folder hurdle runs in";
}

TEST(HurdleRun, AFilterThatSelectsNothingIsBadInputNotAGreenRun) {
  const RunOutcome run = hurdle_run("no-match", {"scenarios/examples/linux-mini.yaml"},
                                    {"--filter", "linux-mini.no-such-*", "--exclude", "*slow*"});
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_THAT(run.out, HasSubstr("no scenario matches --filter 'linux-mini.no-such-*' without "
                                 "--exclude '*slow*'"));
}

// A suite's secrets (a variable marked secret, a ${secret:NAME}) used in commands, echoed by
// the guest on its console and over SSH, and quoted by a failure: no file of the run (reports,
// every log, console.log included) and nothing on the terminal holds them.
TEST(HurdleRun, SecretsReachNoReportLogOrTerminal) {
  const std::string token = "tok-7f3a9c1e55";
  const std::string password = "pw-b41d22e0aa";
  ::setenv("HURDLE_TEST_TOKEN", token.c_str(), 1);
  ::setenv("HURDLE_TEST_PASSWORD", password.c_str(), 1);
  const RunOutcome run = hurdle_run("secrets", {"tests/data/suites/secrets.yaml"});
  EXPECT_EQ(run.status, 1) << run.out;  // fails-quoting-them fails, as it should
  EXPECT_THAT(run.out, HasSubstr("FAIL   secrets.fails-quoting-them"));
  EXPECT_THAT(run.out, HasSubstr("PASS   secrets.uses-them"));
  EXPECT_EQ(run.out.find(token), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find(password), std::string::npos) << run.out;
  std::size_t files = 0;
  bool masked_seen = false;
  for (const auto& entry : fs::recursive_directory_iterator(run.junit.parent_path())) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string text = test::read_file(entry.path());
    EXPECT_EQ(text.find(token), std::string::npos) << entry.path();
    EXPECT_EQ(text.find(password), std::string::npos) << entry.path();
    masked_seen = masked_seen || text.find("********") != std::string::npos;
  }
  EXPECT_GT(files, 20u);
  EXPECT_TRUE(masked_seen) << "the secrets were used, so their masks must show somewhere";
  const fs::path run_dir = *fs::directory_iterator(run.reports);
  // The clones' consoles (machine/clone-N/) echoed them, masked.
  EXPECT_THAT(all_logs(run_dir / "secrets/machine", "console.log"), HasSubstr("********"));
}

// A report folder that cannot be made (here, under a regular file: root writes anywhere, so
// permissions would prove nothing) ends the run at once with exit 3 and says why; nothing is
// booted, and hurdle does not abort.
TEST(HurdleRun, AnUnwritableReportFolderIsExitThreeBeforeAnyBoot) {
  namespace bp = boost::process::v2;
  const fs::path file = fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / "a-file";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "not a folder\n";
  ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
  boost::asio::io_context ctx;
  test::MergedOutput out(ctx);
  bp::process p(ctx, test::hurdle_program().string(),
                {"run", "--accel", "tcg", "--report-dir", (file / "reports").string(),
                 (test::source_dir() / "scenarios/examples/linux-mini.yaml").string()},
                bp::process_stdio{nullptr, out.fd(), out.fd()});
  const std::string text = out.read_all();
  EXPECT_EQ(p.wait(), 3) << text;
  EXPECT_THAT(text, HasSubstr("hurdle: cannot write the run's reports: "));
  EXPECT_THAT(text, HasSubstr("Not a directory"));
  EXPECT_EQ(text.find("terminate called"), std::string::npos) << text;
  // No scenario was tried (each would have been an error of a machine that could not start).
  EXPECT_EQ(text.find("linux-mini.kernel-is-linux"), std::string::npos) << text;
}

// A small tmpfs mounted for one test, unmounted (lazily) when it goes; root only.
class TmpfsMount {
 public:
  TmpfsMount(fs::path dir, const std::string& size) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    mounted_ = ::mount("hurdle-test", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string error_;
};

// The work folder fills up while a scenario writes to its disk: QEMU pauses the guest (a
// BLOCK_IO_ERROR event with `nospace`), and hurdle says so at once, naming the folder and
// HURDLE_WORK_DIR, instead of a step time-out; the scenarios after it are not run on a host
// that cannot hold them, and the run is an infrastructure failure (exit 3).
TEST(HurdleRun, AWorkFolderThatFillsMidScenarioEndsTheRunWithAClearError) {
  const fs::path dir =
      fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / "disk-full-inputs";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // The run's template keeps its RAM (192 MiB) in the work folder, and a clone's room check asks
  // for the RAM and 256 MiB more: a 660 MiB tmpfs passes it; a second disk of 2 GiB lets the
  // guest write more than the folder holds.
  TmpfsMount work(dir / "work", "660m");
  if (!work.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << work.error();
  namespace bp = boost::process::v2;
  {
    boost::asio::io_context ctx;
    bp::process img(ctx, bp::environment::find_executable("qemu-img"),
                    {"create", "-q", "-f", "qcow2", (dir / "big.qcow2").string(), "2G"},
                    bp::process_stdio{nullptr, nullptr, nullptr});
    ASSERT_EQ(img.wait(), 0);
  }
  std::string profile = test::read_file(test::source_dir() / "fixtures/machines/linux-mini.yaml");
  profile.replace(profile.find("memory: 512M"), 12, "memory: 192M");
  const std::string scratch = "    mode: overlay\n";
  profile.insert(profile.find(scratch) + scratch.size(),
                 "  - name: big\n    file: " + (dir / "big.qcow2").string() +
                     "\n    format: qcow2\n    interface: virtio\n    mode: overlay\n");
  std::ofstream(dir / "tiny-big-disk.yaml") << profile;
  std::ofstream(dir / "disk-full.yaml")
      << "suite: disk-full\nmachine: " << (dir / "tiny-big-disk.yaml").string()
      << "\nscenarios:\n"
         "  - name: fills-the-disk\n    steps:\n"
         "      - ssh.run: { command: 'dd if=/dev/zero of=/dev/vdb bs=1M count=1500; sync', "
         "timeout: 120s }\n"
         "  - name: after-it\n    steps:\n      - ssh.run: 'true'\n";

  ::setenv("HURDLE_WORK_DIR", (dir / "work").c_str(), 1);
  const RunOutcome run = hurdle_run("disk-full", {(dir / "disk-full.yaml").string()});
  ::unsetenv("HURDLE_WORK_DIR");
  EXPECT_EQ(run.status, 3) << run.out;
  const std::string full =
      "the disk 'big' ran out of space: the folder " + (dir / "work").string() + " is full";
  EXPECT_THAT(run.out, HasSubstr(full));
  EXPECT_THAT(run.out, HasSubstr("set HURDLE_WORK_DIR to a folder with room"));
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str())) << run.out;
  const auto filled = testcase(doc, "disk-full", "fills-the-disk").child("error");
  ASSERT_TRUE(filled) << run.out;
  EXPECT_THAT(filled.attribute("message").value(), HasSubstr(full));
  EXPECT_STRNE(filled.attribute("type").value(), "TimeoutError");  // found, not waited out
  const auto after = testcase(doc, "disk-full", "after-it").child("error");
  ASSERT_TRUE(after) << run.out;
  EXPECT_STREQ(after.attribute("type").value(), "InfrastructureError");
  EXPECT_THAT(after.attribute("message").value(), HasSubstr(full));
  EXPECT_EQ(test::count_entries(dir / "work"), 0u) << "the overlays were left behind";
  // The run's own template kept its RAM in the work folder too, as the overlays: one folder
  // for a run's large files, whatever made them.
  EXPECT_THAT(suite_log(run, "disk-full", "machine.log"),
              HasSubstr("mem-path=" + (dir / "work").string() + "/"));
}

// A project's tree copied in, its tests run in the guest, their results imported test by test:
// exactly these JUnit test cases come out, under SUITE.SCENARIO, with the failures' own
// messages; the report is valid JUnit and summary.json counts them.
TEST(HurdleRun, AProjectsOwnTestsAreImportedTestByTest) {
  const RunOutcome run = hurdle_run("project", {"scenarios/examples/project-in-guest.yaml"});
  EXPECT_EQ(run.status, 1) << run.out;  // three scenarios fail on purpose
  EXPECT_EQ(xmllint_status(run.junit), 0);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str())) << run.out;
  std::vector<std::string> cases;
  for (const auto& node : doc.select_nodes("//testcase")) {
    const auto t = node.node();
    std::string status = "passed";
    if (t.child("failure")) status = "failed";
    if (t.child("error")) status = "error";
    if (t.child("skipped")) status = "skipped";
    cases.push_back(std::string(t.attribute("classname").value()) + " | " +
                    t.attribute("name").value() + " | " + status);
  }
  const std::string p = "project-in-guest.passing-project | ";
  const std::string a = "project-in-guest.automake-failures | ";
  const std::string t = "project-in-guest.tap-failures | ";
  const std::string j = "project-in-guest.junit-failures | ";
  EXPECT_EQ(cases, (std::vector<std::string>{
                       "project-in-guest | passing-project | passed",
                       p + "known-bug | passed",
                       p + "network | skipped",
                       p + "overflow | passed",
                       p + "parser | passed",
                       p + "#1 kernel is Linux | passed",
                       p + "#2 config round trip | passed",
                       p + "#3 locale sort | skipped",
                       p + "#4 unicode paths | passed",
                       p + "integration.starts | passed",
                       p + "integration.locks | passed",
                       p + "integration.gpu | skipped",
                       "project-in-guest | automake-failures | failed",
                       a + "known-bug | passed",
                       a + "network | skipped",
                       a + "overflow | failed",
                       a + "parser | passed",
                       "project-in-guest | tap-failures | failed",
                       t + "#1 kernel is Linux | passed",
                       t + "#2 config round trip | failed",
                       t + "#3 locale sort | skipped",
                       t + "#4 unicode paths | passed",
                       "project-in-guest | junit-failures | failed",
                       j + "integration.starts | passed",
                       j + "integration.locks | failed",
                       j + "integration.gpu | skipped",
                   }));
  // The failures keep the test's own words.
  const auto overflow = doc.select_node(
      "//testcase[@classname='project-in-guest.automake-failures'][@name='overflow']/failure");
  EXPECT_THAT(overflow.node().text().get(), HasSubstr("expected 255, got 0"));
  const auto round_trip = doc.select_node(
      "//testcase[@classname='project-in-guest.tap-failures'][@name='#2 config round trip']"
      "/failure");
  EXPECT_THAT(round_trip.node().text().get(), HasSubstr("wrote 3 keys, read 2"));
  EXPECT_THAT(run.out, HasSubstr("expected every imported test to pass, got 1 of 3 tests did "
                                 "not pass: integration.locks"));
  const fs::path run_dir = *fs::directory_iterator(run.reports);
  const auto summary = nlohmann::json::parse(std::ifstream(run_dir / "summary.json"));
  EXPECT_EQ(
      summary["imported_tests"],
      (nlohmann::json{{"tests", 22}, {"passed", 13}, {"failed", 3}, {"error", 0}, {"skipped", 6}}));
  // The originals are kept where a person looks for them.
  EXPECT_TRUE(fs::exists(run_dir / "project-in-guest" / "passing-project" / "imported" / "2-tap" /
                         "core.tap"));
}

TEST(HurdleRun, TheSchemaCheckRejectsAReportMissingRequiredParts) {
  const fs::path bad = test::scratch_folder() / "bad-junit.xml";
  std::ofstream(bad) << "<testsuites tests='1' failures='0' errors='0' time='1'>"
                        "<testsuite name='s' tests='1' failures='0' errors='0' time='1'>"
                        "<testcase name='c' time='1'/></testsuite></testsuites>";
  EXPECT_NE(xmllint_status(bad), 0);  // no classname, timestamp or hostname
}

TEST(HurdleRun, AMalformedSuiteExitsTwoBeforeAnyMachineStarts) {
  const fs::path bad = test::scratch_folder() / "run-bad.yaml";
  std::ofstream(bad)
      << "machine: linux-mini\nscenarios:\n  - name: a\n    steps:\n      - ssh.rnu: x\n";
  const RunOutcome run = hurdle_run("malformed", {});
  EXPECT_EQ(run.status, 2);  // no suite at all: CLI11 says the file is required
  namespace bp = boost::process::v2;
  boost::asio::io_context ctx;
  boost::asio::readable_pipe err(ctx);
  bp::process p(ctx, test::hurdle_program().string(), {"run", bad.string()},
                bp::process_stdio{nullptr, nullptr, err});
  std::string text;
  boost::system::error_code ec;
  boost::asio::read(err, boost::asio::dynamic_buffer(text), ec);
  EXPECT_EQ(p.wait(), 2);
  EXPECT_THAT(text, HasSubstr(bad.string() + ":5:9: unknown step 'ssh.rnu'"));
}

}  // namespace
}  // namespace hurdle
