// The results history on real SQLite: a sequence of recorded runs with chosen pass and fail
// patterns gives each verdict (new failure, still failing since the right run, flaky by the
// rule, fixed, new test, gone), imported tests and retried scenarios included; two processes
// recording at once both land; a file that is not a history, a damaged one and another
// program's database are refused; the digest's text; and the pure rule on its own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "history/history_database.hpp"
#include "history/history_digest.hpp"
#include "history/report_history.hpp"
#include "history/run_verdicts.hpp"
#include "history/sqlite_database.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A report of suite "s": each letter of `pattern` is a case named c0, c1, ...: P passed,
// F failed, R passed on a retry, S skipped, I an infrastructure error, '-' not in the run.
// The scenario "imports" has imported tests i0 (passes) and i1 (as `imported`).
RunReport report_of(const std::string& pattern, char imported = 'P') {
  RunReport report;
  report.hostname = "host";
  ReportSuite suite;
  suite.name = "s";
  suite.timestamp = "2026-12-07T10:00:00";
  suite.properties = {{"hurdle.version", "1.0"}, {"profile", "fixtures/machines/linux-mini.yaml"}};
  const auto status_of = [](char p, ReportCase& c) {
    c.status = p == 'P'   ? Verdict::kPassed
               : p == 'R' ? Verdict::kFlaky
               : p == 'S' ? Verdict::kSkipped
               : p == 'I' ? Verdict::kError
                          : Verdict::kFailed;
    if (p == 'R') c.attempts = 2;
    if (p == 'I') c.type = "InfrastructureError";
    if (p == 'F') c.message = "expected 0, found 17 at 10:00:01";
  };
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '-') continue;
    ReportCase c;
    c.name = "c" + std::to_string(i);
    status_of(pattern[i], c);
    suite.cases.push_back(c);
  }
  ReportCase host;
  host.name = "imports";
  for (const char p : {'P', imported}) {
    ReportCase t;
    t.name = "i" + std::to_string(host.imported.size());
    status_of(p, t);
    host.imported.push_back(t);
  }
  suite.cases.push_back(host);
  report.suites.push_back(suite);
  return report;
}

std::string verdict_of(const RunVerdicts& v, const std::string& id) {
  for (const auto& t : v.tests)
    if (t.test.id_text() == id) return to_string(t.verdict.verdict);
  return "absent";
}

class History : public ::testing::Test {
 protected:
  RunVerdicts record(const std::string& pattern, char imported = 'P') {
    RunReport report = report_of(pattern, imported);
    RunFacts facts;
    facts.commit = "c0ffee" + std::to_string(++commits_);
    facts.verdict = "failed";
    return record_and_judge(report, file_, facts, FlakyRule{});
  }
  PrivateFolder dir_{"history"};
  fs::path file_ = dir_ / "history.sqlite";
  int commits_ = 0;
};

TEST_F(History, EachVerdictOverASequenceOfRuns) {
  //              c0 c1 c2 c3 c4 c5
  auto v = record("PPPPPF");
  EXPECT_EQ(verdict_of(v, "s.c0"), "new test");
  EXPECT_EQ(verdict_of(v, "s.imports.i1"), "new test");
  v = record("PFPPPF", 'F');
  EXPECT_EQ(verdict_of(v, "s.c0"), "passing");
  EXPECT_EQ(verdict_of(v, "s.c1"), "new failure");
  EXPECT_EQ(verdict_of(v, "s.c5"), "still failing");
  EXPECT_EQ(verdict_of(v, "s.imports.i1"), "new failure");  // an imported test has history too
  v = record("PFFPRF", 'P');
  EXPECT_EQ(verdict_of(v, "s.c1"), "still failing");
  EXPECT_EQ(verdict_of(v, "s.c2"), "new failure");
  EXPECT_EQ(verdict_of(v, "s.c4"), "flaky");  // passed only on a retry
  EXPECT_EQ(verdict_of(v, "s.imports.i1"), "fixed");
  v = record("PFPFPFP");  // c3 breaks; c2 flips a third time; c6 is new
  EXPECT_EQ(verdict_of(v, "s.c3"), "new failure");
  EXPECT_EQ(verdict_of(v, "s.c6"), "new test");
  v = record("PFFP-FP");  // c3 fixed after one failure; c4 is gone; c2: P P F P F -> 3 changes
  EXPECT_EQ(verdict_of(v, "s.c2"), "flaky");
  EXPECT_EQ(verdict_of(v, "s.c3"), "fixed");
  ASSERT_EQ(v.gone.size(), 1u);
  EXPECT_EQ(v.gone[0].id_text(), "s.c4");
  // c1 has failed since run 2 (five runs); c5 since run 1.
  for (const auto& t : v.tests) {
    if (t.test.id_text() == "s.c1") {
      ASSERT_TRUE(t.failing_since);
      EXPECT_EQ(t.failing_since->id, 2);
      EXPECT_EQ(t.failing_since->facts.commit, "c0ffee2");
      EXPECT_EQ(t.failing_runs, 4);
    }
    if (t.test.id_text() == "s.c5") {
      EXPECT_EQ(t.failing_since->id, 1);
      EXPECT_EQ(t.failing_runs, 5);
    }
  }
  // An infrastructure error judges nothing: c1 is still failing since run 2 after it.
  v = record("PIFP-FP");
  EXPECT_EQ(verdict_of(v, "s.c1"), "infrastructure");
  v = record("PFFP-FP");
  EXPECT_EQ(verdict_of(v, "s.c1"), "still failing");
}

TEST_F(History, TheReportIsAnnotatedWithEveryVerdict) {
  record("PP");
  RunReport report = report_of("PF-");
  RunFacts facts;
  const RunVerdicts v = record_and_judge(report, file_, facts, FlakyRule{});
  const ReportSuite& s = report.suites.front();
  ASSERT_TRUE(s.cases[1].history);
  EXPECT_EQ(s.cases[1].history->verdict, "new failure");
  EXPECT_EQ(s.cases[1].history->failing_runs, 1);
  EXPECT_THAT(s.cases[1].history->failing_since, HasSubstr("run 2 of 2026-12-07"));
  EXPECT_EQ(s.cases[2].imported[1].history->verdict, "passing");
  EXPECT_EQ(property_values(report, "history.gone"), std::vector<std::string>{});
}

TEST_F(History, TheDigestSaysOnlyWhatChanged) {
  record("PPPPF");
  record("PPPPF");
  record("PFPPP");
  record("PFRP-");
  HistoryDatabase history(file_, HistoryDatabase::Mode::kRead);
  const std::string digest = history_digest(history, "2", FlakyRule{});
  EXPECT_EQ(digest,
            "hurdle: since run 2 of 2026-12-07 (commit c0ffee2), up to run 4 of 2026-12-07 "
            "(commit c0ffee4) (2 runs later): 7 tests, 1 failing\n"
            "\nNew failures (1):\n"
            "  s.c1 (failing since run 3 of 2026-12-07 (commit c0ffee3), 2 runs)\n"
            "\nNew flakes (1):\n"
            "  s.c2 (0 of 4 runs failed, 0 changes)\n"
            "\nGone (1):\n"
            "  s.c4\n");
  EXPECT_THAT(history_digest(history, "2026-12-07", FlakyRule{}), HasSubstr("since run 1"));
  EXPECT_THAT(history_digest(history, "3", FlakyRule{}), HasSubstr("Gone (1)"));
  EXPECT_THROW((void)history_digest(history, "4", FlakyRule{}), HistoryError);
  EXPECT_THROW((void)history_digest(history, "99", FlakyRule{}), HistoryError);
  EXPECT_THAT(failing_text(history), HasSubstr("s.c1  failing since run 3"));
  EXPECT_THAT(timeline_text(history, "s.c1"),
              HasSubstr("run 3 of 2026-12-07 (commit c0ffee3)  failed"));
}

TEST_F(History, TheDigestJudgesATestWhereItLastRanAndAFlakyPassIsNoFix) {
  record("PP");
  record("FF");  // both break
  record("P-");  // c0 passes again; c1 is not in the run
  record("FP");  // c0 fails again (flaky: P F P F); c1 is back and passes
  record("PP");  // c0 passes: flaky, not fixed
  HistoryDatabase history(file_, HistoryDatabase::Mode::kRead);
  // c1 stood failing at run 3 (its last run was 2): back and passing at 4, it is fixed.
  EXPECT_THAT(history_digest(history, "3", FlakyRule{}), HasSubstr("Fixed (1):\n  s.c1\n"));
  // c0 failed at run 4 and passes at 5, but it was flaky at 4 already (P F P F): no fix, and
  // no new flake.
  EXPECT_THAT(history_digest(history, "previous", FlakyRule{}), HasSubstr("Nothing changed."));
  EXPECT_THAT(history_digest(history, "2", FlakyRule{}), HasSubstr("New flakes (1):\n  s.c0 "));
}

TEST_F(History, FlakyListsATestThatFlipsByTheRule) {
  for (const char* p : {"PF", "PP", "PF", "PP", "PF"}) record(p);
  HistoryDatabase history(file_, HistoryDatabase::Mode::kRead);
  const std::string flaky = flaky_text(history, FlakyRule{});
  EXPECT_THAT(flaky, HasSubstr("s.c1  flake rate 100%, failed 3 of 5 runs, last seen in run 5"));
  EXPECT_THAT(flaky, ::testing::Not(HasSubstr("s.c0")));
  EXPECT_THAT(flaky_text(history, FlakyRule{10, 5}), HasSubstr("No flaky test"));
}

TEST_F(History, TwoProcessesRecordingAtOnceBothLand) {
  record("P");  // made first, so that both open an existing history
  std::vector<pid_t> children;
  for (int child = 0; child < 2; ++child) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = 0;
      try {
        for (int i = 0; i < 20; ++i) {
          HistoryDatabase history(file_, HistoryDatabase::Mode::kWrite);
          (void)history.record(recorded_run_of(report_of(child == 0 ? "PF" : "FP"), {}));
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", child, e.what());
        code = 1;
      }
      std::_Exit(code);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  HistoryDatabase history(file_, HistoryDatabase::Mode::kRead);
  const auto runs = history.runs();
  ASSERT_EQ(runs.size(), 41u);
  for (const auto& r : runs)
    EXPECT_EQ(r.tests, r.id == 1 ? 4 : 5);  // the cases, "imports" and its two tests
}

TEST_F(History, AFileThatIsNotAHistoryIsRefusedByName) {
  std::ofstream(dir_ / "text.sqlite") << "this is not a database, but it is long enough to look "
                                         "like one might be here; it is not.\n";
  try {
    HistoryDatabase h(dir_ / "text.sqlite", HistoryDatabase::Mode::kWrite);
    FAIL() << "a text file was taken as a history";
  } catch (const HistoryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("text.sqlite"));
    EXPECT_THAT(e.what(), HasSubstr("not a database"));
  }
  {
    SqliteDatabase other(dir_ / "other.sqlite", SqliteDatabase::Open::kCreate);
    other.exec("CREATE TABLE notes(x TEXT)");
  }
  try {
    HistoryDatabase h(dir_ / "other.sqlite", HistoryDatabase::Mode::kWrite);
    FAIL() << "another program's database was taken as a history";
  } catch (const HistoryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not a hurdle history"));
  }
  // A history cut short in the middle: its pages are damaged.
  for (int i = 0; i < 30; ++i) record("PFPFPFPFPF");
  {
    HistoryDatabase h(file_, HistoryDatabase::Mode::kWrite);
    h.sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  fs::resize_file(file_, fs::file_size(file_) / 2);
  fs::remove(fs::path(file_.string() + "-wal"));
  EXPECT_THROW(
      {
        HistoryDatabase h(file_, HistoryDatabase::Mode::kRead);
        (void)flaky_text(h, FlakyRule{});
      },
      HistoryError);
  EXPECT_THROW(HistoryDatabase(dir_ / "missing.sqlite", HistoryDatabase::Mode::kRead),
               HistoryError);
}

TEST(TestVerdict, TheRuleOnItsOwn) {
  using O = Outcome;
  const auto past = [](std::initializer_list<O> newest_first) {
    std::vector<PastOutcome> p;
    std::int64_t run = 100;
    for (const O o : newest_first) p.push_back({run--, o});
    return p;
  };
  const FlakyRule rule;
  EXPECT_EQ(judge_test(O::kFailed, {}, rule).verdict, HistoryVerdict::kNewTest);
  // Seen in a run older than those read: not new.
  EXPECT_EQ(judge_test(O::kFailed, {}, rule, true).verdict, HistoryVerdict::kNewFailure);
  EXPECT_EQ(judge_test(O::kFailed, past({O::kPassed}), rule).verdict, HistoryVerdict::kNewFailure);
  EXPECT_EQ(judge_test(O::kFailed, past({O::kSkipped, O::kFailed}), rule).verdict,
            HistoryVerdict::kStillFailing);
  EXPECT_EQ(judge_test(O::kPassed, past({O::kError}), rule).verdict, HistoryVerdict::kFixed);
  // P F P: broke once and fixed (two changes) is not flaky by the default rule; F P F P is.
  EXPECT_EQ(judge_test(O::kPassed, past({O::kFailed, O::kPassed}), rule).verdict,
            HistoryVerdict::kFixed);
  const TestVerdict flaky =
      judge_test(O::kFailed, past({O::kPassed, O::kFailed, O::kPassed}), rule);
  EXPECT_EQ(flaky.verdict, HistoryVerdict::kFlaky);
  EXPECT_EQ(flaky.flips, 3);
  EXPECT_DOUBLE_EQ(flaky.flake_rate, 1.0);
  EXPECT_DOUBLE_EQ(flaky.failure_rate, 0.5);
  // Changes out of the window do not count.
  EXPECT_EQ(
      judge_test(O::kFailed, past({O::kPassed, O::kFailed, O::kPassed}), FlakyRule{3, 3}).verdict,
      HistoryVerdict::kNewFailure);
  EXPECT_EQ(judge_test(O::kPassed, past({O::kPassedOnRetry}), rule).verdict,
            HistoryVerdict::kFlaky);
  EXPECT_EQ(judge_test(O::kInfrastructure, past({O::kPassed}), rule).verdict,
            HistoryVerdict::kInfrastructure);
}

}  // namespace
}  // namespace hurdle
