// A run's history, expectations and infrastructure errors, end to end over real QEMU with no
// guest (a bare PC whose scenarios ask QMP something: query-status passes, an unknown
// command fails): runs recorded in a real SQLite history one after another give each
// scenario's verdict in the JUnit properties and summary.json; an expectations file turns a
// known failure into a skip that does not fail the run (and --strict back into a failure);
// a machine that never boots (QEMU refuses its arguments) and an image whose URL answers 404
// are infrastructure errors, booted again --infra-retries times, reported apart, flagged as
// probably infrastructure, and never recorded as the tests' failures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <thread>

#include "core/exit_status.hpp"
#include "core/private_folder.hpp"
#include "history/history_database.hpp"
#include "run/suite_run.hpp"
#include "support/file_server.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RunHistory : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ / "d.img") << std::string(512, '\0');
    write_profile("bare", "");
    write_suite("query", "bare", "no-such-command");
  }

  void write_profile(const std::string& name, const std::string& more) {
    std::ofstream(dir_ / (name + ".yaml"))
        << "name: " << name << "\nmachine: pc\nmemory: 64M\ndisks:\n"
        << "  - { name: d, file: "
        << (more.find("image:") != std::string::npos ? "'${image}'" : "d.img")
        << ", format: raw }\n"
        << more;
  }
  // Suite `name` on `profile`: a and c pass, b asks QMP `b_command`, d asks it too.
  void write_suite(const std::string& name, const std::string& profile,
                   const std::string& b_command) {
    std::ofstream(dir_ / ("suite-" + name + ".yaml"))
        << "suite: " << name << "\nmachine: " << (dir_ / (profile + ".yaml")).string()
        << "\nscenarios:\n"
        << "  - name: a\n    steps: [{qmp: {command: query-status}}]\n"
        << "  - name: b\n    steps: [{qmp: {command: " << b_command << "}}]\n"
        << "  - name: c\n    steps: [{qmp: {command: query-status}}]\n";
  }

  [[nodiscard]] RunRequest request(const std::string& run,
                                   const std::string& suite = "query") const {
    RunRequest r;
    r.files = {(dir_ / ("suite-" + suite + ".yaml")).string()};
    r.report_dir = (dir_ / "reports").string();
    r.run_name = run;
    r.accel = "tcg";
    r.reset = "reboot";
    r.no_boot_cache = true;
    r.history = (dir_ / "history.sqlite").string();
    return r;
  }

  // "NAME STATUS PROPERTY=VALUE..." of each case of run `run`'s JUnit, with the properties
  // named in `wanted`.
  [[nodiscard]] std::vector<std::string> cases(const std::string& run,
                                               const std::vector<std::string>& wanted) const {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_file((dir_ / "reports" / run / "junit.xml").c_str()));
    std::vector<std::string> found;
    for (const auto& x : doc.select_nodes("//testcase")) {
      const auto n = x.node();
      std::string line =
          std::string(n.attribute("name").value()) + " " +
          (n.child("failure")   ? "failed"
           : n.child("error")   ? std::string("error:") + n.child("error").attribute("type").value()
           : n.child("skipped") ? "skipped"
                                : "passed");
      for (const auto& p : n.child("properties").children("property"))
        for (const auto& w : wanted)
          if (w == p.attribute("name").value())
            line += " " + w + "=" + p.attribute("value").value();
      found.push_back(line);
    }
    return found;
  }
  [[nodiscard]] nlohmann::json summary(const std::string& run) const {
    return nlohmann::json::parse(test::read_file(dir_ / "reports" / run / "summary.json"));
  }

  PrivateFolder dir_{"run-history"};
};

TEST_F(RunHistory, EachRunIsJudgedAgainstTheOnesBefore) {
  write_suite("query", "bare", "query-status");
  EXPECT_EQ(run_suites(request("one")), kExitPassed);
  EXPECT_THAT(cases("one", {"history.verdict"}),
              ElementsAre("a passed history.verdict=new test", "b passed history.verdict=new test",
                          "c passed history.verdict=new test"));
  write_suite("query", "bare", "no-such-command");
  EXPECT_EQ(run_suites(request("two")), kExitFailed);
  EXPECT_THAT(cases("two", {"history.verdict", "history.failing_runs"}),
              ElementsAre("a passed history.verdict=passing",
                          "b failed history.verdict=new failure history.failing_runs=1",
                          "c passed history.verdict=passing"));
  EXPECT_EQ(run_suites(request("three")), kExitFailed);
  const nlohmann::json s = summary("three");
  const auto& b = s["suites"][0]["scenarios"][1];
  EXPECT_EQ(b["history"]["verdict"], "still failing");
  EXPECT_EQ(b["history"]["failing_runs"], 2);
  EXPECT_THAT(b["history"]["failing_since"].get<std::string>(), HasSubstr("run 2 of "));
  // The history holds three runs of three tests, b failed in the last two.
  HistoryDatabase history(dir_ / "history.sqlite", HistoryDatabase::Mode::kRead);
  const auto runs = history.runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[2].tests, 3);
  EXPECT_EQ(runs[0].facts.verdict, "passed");
  EXPECT_EQ(runs[2].facts.verdict, "failed");
  EXPECT_EQ(runs[2].facts.machine, (dir_ / "bare.yaml").string());
}

TEST_F(RunHistory, AFileThatIsNotAHistoryStillGetsTheRunsReports) {
  write_suite("query", "bare", "query-status");
  std::ofstream(dir_ / "notes.txt") << "my notes, not a database: hurdle must not touch them\n";
  RunRequest r = request("foreign");
  r.history = (dir_ / "notes.txt").string();
  EXPECT_EQ(run_suites(r), kExitInfrastructure);
  EXPECT_THAT(cases("foreign", {"history.verdict"}),
              ElementsAre("a passed", "b passed", "c passed"));
  EXPECT_EQ(summary("foreign")["totals"]["passed"], 3);
  EXPECT_EQ(test::read_file(dir_ / "notes.txt"),
            "my notes, not a database: hurdle must not touch them\n");
}

TEST_F(RunHistory, OnGithubOnlyNewFailuresAreAnnotated) {
  ::setenv("GITHUB_ACTIONS", "true", 1);
  ::setenv("GITHUB_WORKSPACE", dir_.path().c_str(), 1);
  const auto annotations = [&](const std::string& run) {
    ::testing::internal::CaptureStdout();
    EXPECT_EQ(run_suites(request(run)), kExitFailed);
    std::istringstream out(::testing::internal::GetCapturedStdout());
    std::vector<std::string> found;
    for (std::string line; std::getline(out, line);)
      if (line.rfind("::", 0) == 0) found.push_back(line.substr(0, line.find(",line=")));
    return found;
  };
  // b fails the first time it runs (a new test that fails), then again (still failing).
  EXPECT_THAT(annotations("first"), ElementsAre("::error file=suite-query.yaml"));
  EXPECT_THAT(annotations("second"), ElementsAre());
  ::unsetenv("GITHUB_ACTIONS");
  ::unsetenv("GITHUB_WORKSPACE");
}

TEST_F(RunHistory, AKnownFailureDoesNotFailTheRunUnlessStrict) {
  std::ofstream(dir_ / "hurdle-expectations.yaml")
      << "expectations:\n"
      << "  - test: query.b\n    kind: fails\n    bug: https://bugs.example/42\n"
      << "  - test: query.c\n    kind: skip\n    reason: hangs on this machine\n";
  RunRequest r = request("known");
  r.expectations = (dir_ / "hurdle-expectations.yaml").string();
  EXPECT_EQ(run_suites(r), kExitPassed);
  EXPECT_THAT(cases("known", {"expectation.outcome", "expectation.bug"}),
              ElementsAre("a passed",
                          "b skipped expectation.outcome=known failure "
                          "expectation.bug=https://bugs.example/42",
                          "c skipped expectation.outcome=skipped"));
  // The skipped scenario never booted a machine: its case says why, with the file's line.
  EXPECT_THAT(summary("known")["suites"][0]["scenarios"][2]["message"].get<std::string>(),
              HasSubstr("hurdle-expectations.yaml:5"));
  // The history keeps what b did: it failed.
  HistoryDatabase history(dir_ / "history.sqlite", HistoryDatabase::Mode::kRead);
  const auto results = history.results_of(1);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].second.outcome, Outcome::kFailed);
  EXPECT_EQ(results[2].second.outcome, Outcome::kSkipped);

  r.strict = true;
  r.run_name = "strict";
  EXPECT_EQ(run_suites(r), kExitFailed);
  EXPECT_THAT(cases("strict", {"expectation.outcome"}),
              ElementsAre("a passed", "b failed expectation.outcome=known failure",
                          "c skipped expectation.outcome=skipped"));
}

TEST_F(RunHistory, AMachineThatNeverBootsIsInfrastructureRetriedAndNotTheTests) {
  write_profile("broken", "extra_args: [-no-such-qemu-option]\n");
  write_suite("broken", "broken", "query-status");
  RunRequest r = request("infra", "broken");
  r.infra_retries = 2;
  EXPECT_EQ(run_suites(r), kExitInfrastructure);
  EXPECT_THAT(cases("infra", {}),
              ElementsAre("a error:InfrastructureError", "b error:InfrastructureError",
                          "c error:InfrastructureError"));
  // Three boots, each in machine.log.
  const std::string log = test::read_file(dir_ / "reports/infra/broken/machine/machine.log");
  int attempts = 0;
  for (std::size_t at = 0; (at = log.find("infrastructure: attempt ", at)) != std::string::npos;
       ++at)
    ++attempts;
  EXPECT_EQ(attempts, 3);
  const nlohmann::json s = summary("infra");
  EXPECT_EQ(s["infrastructure"]["probable"], true);
  EXPECT_EQ(s["totals"]["infrastructure"], 3);
  EXPECT_EQ(s["suites"][0]["scenarios"][1]["status"], "infrastructure");
  EXPECT_EQ(s["suites"][0]["scenarios"][0]["attempts"], 3);
  // Recorded, but as the machinery's outcome: no test has a failure in the history.
  HistoryDatabase history(dir_ / "history.sqlite", HistoryDatabase::Mode::kRead);
  for (const auto& [test, entry] : history.results_of(1))
    EXPECT_EQ(entry.outcome, Outcome::kInfrastructure) << test.id_text();
  EXPECT_EQ(history.runs().at(0).facts.verdict, "infrastructure");

  // No retry asked: one boot.
  r.infra_retries = 0;
  r.run_name = "once";
  EXPECT_EQ(run_suites(r), kExitInfrastructure);
  EXPECT_EQ(summary("once")["suites"][0]["scenarios"][0]["attempts"], 1);
}

// QEMU killed under a scenario by a signal hurdle did not send (as the host's OOM killer
// would): the attempt is made again, not counted as the scenario's; without infra retries it
// is the infrastructure's error.
TEST_F(RunHistory, QemuKilledUnderAScenarioIsTheInfrastructures) {
  std::ofstream(dir_ / "suite-steady.yaml")
      << "suite: steady\nmachine: " << (dir_ / "bare.yaml").string() << "\nscenarios:\n"
      << "  - name: steady\n    steps:\n"
      << "      - qmp: {command: query-status}\n"
      << "      - console.expect_absent: {patterns: [never-printed], within: 6s}\n";
  const auto run_with_a_kill = [&](const std::string& run, int infra_retries) {
    RunRequest r = request(run, "steady");
    r.infra_retries = infra_retries;
    std::atomic<bool> done{false};
    std::atomic<int> killed{0};
    // The first QEMU of this test's folder is killed once it has run a second.
    std::thread killer([&] {
      while (!done && killed == 0) {
        for (const auto& p : fs::directory_iterator("/proc")) {
          const std::string pid = p.path().filename().string();
          if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
          std::ifstream in(p.path() / "cmdline", std::ios::binary);
          const std::string cmdline((std::istreambuf_iterator<char>(in)), {});
          if (cmdline.find("qemu-system") == std::string::npos ||
              cmdline.find(dir_.path().string()) == std::string::npos)
            continue;
          std::this_thread::sleep_for(std::chrono::seconds(1));
          if (::kill(std::stoi(pid), SIGKILL) == 0) ++killed;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    const int status = run_suites(r);
    done = true;
    killer.join();
    EXPECT_EQ(killed, 1);
    return status;
  };
  EXPECT_EQ(run_with_a_kill("crash-retried", 1), kExitPassed);
  const nlohmann::json again = summary("crash-retried");
  EXPECT_EQ(again["suites"][0]["scenarios"][0]["status"], "passed");
  EXPECT_EQ(again["suites"][0]["scenarios"][0]["attempts"], 1);

  EXPECT_EQ(run_with_a_kill("crash", 0), kExitInfrastructure);
  EXPECT_THAT(cases("crash", {}), ElementsAre("steady error:InfrastructureError"));
  EXPECT_THAT(summary("crash")["suites"][0]["scenarios"][0]["message"].get<std::string>(),
              ::testing::StartsWith("QemuCrashed: "));
  HistoryDatabase history(dir_ / "history.sqlite", HistoryDatabase::Mode::kRead);
  EXPECT_EQ(history.results_of(2).at(0).second.outcome, Outcome::kInfrastructure);
}

TEST_F(RunHistory, AnImageThatCannotBeDownloadedIsInfrastructureRetried) {
  test::FileServer server(dir_.path(), test::FileServer::Protocol::kHttp);
  std::ofstream(dir_ / "images.lock.yaml")
      << "images:\n  gone:\n    urls:\n      - " << server.url("gone-20261207.img") << "\n"
      << "    archive: none\n    digest: sha512:" << std::string(128, 'a') << "\n"
      << "    prepare: []\n";
  write_profile("imaged", "image: gone\n");
  write_suite("imaged", "imaged", "query-status");
  RunRequest r = request("download", "imaged");
  r.images.lock = dir_ / "images.lock.yaml";
  r.images.cache_dir = dir_ / "cache";
  r.images.download.attempts = 1;
  r.infra_retries = 1;
  EXPECT_EQ(run_suites(r), kExitInfrastructure);
  EXPECT_EQ(server.served("gone-20261207.img").requests, 2);  // two boots, one GET each
  const nlohmann::json s = summary("download");
  EXPECT_EQ(s["suites"][0]["scenarios"][0]["attempts"], 2);
  EXPECT_THAT(s["suites"][0]["scenarios"][0]["message"].get<std::string>(), HasSubstr("404"));
  EXPECT_THAT(cases("download", {}),
              ElementsAre("a error:InfrastructureError", "b error:InfrastructureError",
                          "c error:InfrastructureError"));
}

}  // namespace
}  // namespace hurdle
