// hurdle's own run loop (run_suites), over a real QEMU with no guest: a bare PC whose
// scenarios ask QMP something (query-status passes, an unknown command fails). What is
// checked is what the observers are told and what the JUnit file holds, never wording: the
// order of a shuffled or repeated run, --fail-fast's not-run scenarios, --list, and two runs
// in one process (the loop is re-entrant: no registry of GoogleTest's, nothing global).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <pugixml.hpp>

#include "core/exit_status.hpp"
#include "core/private_folder.hpp"
#include "engine/run_observer.hpp"
#include "run/run_order.hpp"
#include "run/suite_run.hpp"
#include "suite/reset_mode.hpp"
#include "suite/suite_loader.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;

// What an observer was told, one line per call: "start NAME", "end NAME STATUS", "facts".
class Journal : public RunObserver {
 public:
  void suite_facts(const Suite&, const SuiteFacts& facts) override {
    told.push_back(std::string("facts ") + to_string(facts.reset) +
                   (facts.machine ? " machine" : ""));
  }
  void scenario_started(const Suite&, const Scenario& sc) override {
    told.push_back("start " + sc.name);
  }
  void scenario_finished(const Suite&, const Scenario& sc, const ScenarioResult& r) override {
    told.push_back("end " + sc.name + " " + to_string(r.status));
  }
  [[nodiscard]] std::vector<std::string> ends() const {
    std::vector<std::string> e;
    for (const auto& t : told)
      if (t.rfind("end ", 0) == 0) e.push_back(t.substr(4));
    return e;
  }
  std::vector<std::string> told;
};

class RunLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ / "d.img") << std::string(512, '\0');
    std::ofstream(dir_ / "bare.yaml") << "name: bare\nmachine: pc\nmemory: 64M\ndisks:\n"
                                         "  - { name: d, file: d.img, format: raw }\n";
    std::ofstream(dir_ / "loop.yaml")
        << "machine: " << (dir_ / "bare.yaml").string() << "\nscenarios:\n"
        << "  - name: a\n    steps: [{qmp: {command: query-status}}]\n"
        << "  - name: b\n    steps: [{qmp: {command: no-such-command}}]\n"
        << "  - name: c\n    steps: [{qmp: {command: query-status}}]\n"
        << "  - name: d\n    after: c\n    steps: [{qmp: {command: query-status}}]\n";
  }

  [[nodiscard]] RunRequest request(const std::string& run) const {
    RunRequest r;
    r.files = {(dir_ / "loop.yaml").string()};
    r.report_dir = (dir_ / "reports").string();
    r.run_name = run;
    r.accel = "tcg";
    r.reset = "reboot";  // no template, no cache: each scenario on a fresh QEMU
    r.no_boot_cache = true;
    return r;
  }

  // The JUnit file's cases of run `run`: "NAME STATUS".
  [[nodiscard]] std::vector<std::string> junit_cases(const std::string& run) const {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_file((dir_ / "reports" / run / "junit.xml").c_str()));
    std::vector<std::string> cases;
    for (const auto& c : doc.select_nodes("//testcase")) {
      const auto n = c.node();
      const char* status = n.child("failure")   ? "failed"
                           : n.child("error")   ? "error"
                           : n.child("skipped") ? "skipped"
                                                : "passed";
      cases.push_back(std::string(n.attribute("name").value()) + " " + status);
    }
    return cases;
  }

  PrivateFolder dir_{"run-loop"};
};

using ::testing::ElementsAre;

TEST_F(RunLoop, FailFastTellsTheRestAsNotRunAndTheReportListsEveryScenario) {
  RunRequest r = request("fail-fast");
  r.fail_fast = true;
  Journal journal;
  EXPECT_EQ(run_suites(r, &journal), kExitFailed);
  EXPECT_THAT(journal.ends(), ElementsAre("a passed", "b failed", "c skipped", "d skipped"));
  // Only what ran was started; the suite's facts came before the first result.
  EXPECT_THAT(journal.told,
              ElementsAre("start a", "facts reboot machine", "end a passed", "start b",
                          "end b failed", "end c skipped", "end d skipped"));
  EXPECT_THAT(junit_cases("fail-fast"),
              ElementsAre("a passed", "b failed", "c skipped", "d skipped"));
}

TEST_F(RunLoop, RepeatedAndShuffledRoundsTakeTheSeedsOrderWithChainsWhole) {
  RunRequest r = request("shuffled");
  r.repeat = 2;
  r.shuffle = true;
  r.seed = 11;
  r.exclude = "*.b";
  Journal journal;
  EXPECT_EQ(run_suites(r, &journal), kExitPassed);
  // The order is the seed's (plus the round's number), as run_order computes it.
  const std::vector<Suite> suites = {load_suite(dir_ / "loop.yaml")};
  const std::vector<SelectedScenario> selected = {{0, 0}, {0, 2}, {0, 3}};
  std::vector<std::string> expected;
  for (std::uint32_t round = 0; round < 2; ++round)
    for (const auto& one : shuffled(selected, suites, 11 + round))
      expected.push_back(suites[0].scenarios[one.scenario].name + " passed");
  EXPECT_EQ(journal.ends(), expected);
  for (std::size_t k = 0; k < expected.size(); ++k)
    if (expected[k] == "c passed") {
      EXPECT_EQ(expected.at(k + 1), "d passed");
    }
}

TEST_F(RunLoop, TwoRunsInOneProcessGiveTheSameResults) {
  Journal first, second;
  EXPECT_EQ(run_suites(request("one"), &first), kExitFailed);
  EXPECT_EQ(run_suites(request("two"), &second), kExitFailed);
  EXPECT_THAT(first.ends(), ElementsAre("a passed", "b failed", "c passed", "d passed"));
  EXPECT_EQ(second.told, first.told);
  EXPECT_EQ(junit_cases("two"), junit_cases("one"));
}

TEST_F(RunLoop, ListPrintsTheSelectionAndRunsNothing) {
  RunRequest r = request("listed");
  r.list = true;
  r.filter = "*.c:*.d:*.a";
  Journal journal;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_suites(r, &journal), kExitPassed);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "loop.a\nloop.c\nloop.d\n");
  EXPECT_TRUE(journal.told.empty());
  EXPECT_FALSE(fs::exists(dir_ / "reports"));
}

}  // namespace
}  // namespace hurdle
