// Every test of a recorded run judged against the runs recorded before it (test_verdict's
// rule), with the database's side: since which run a failing test fails and for how many
// runs, and the tests that are gone (in the last earlier run of the same group, a classname's
// first word, and not in this one).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "history/history_database.hpp"
#include "history/test_verdict.hpp"

namespace hurdle {

struct JudgedTest {
  TestRow test;
  Outcome outcome = Outcome::kPassed;
  TestVerdict verdict;
  // A failing test's streak: since this run (its date and commit), for this many runs.
  std::optional<RunRow> failing_since;
  int failing_runs = 0;
};

struct RunVerdicts {
  RunRow run;
  std::vector<JudgedTest> tests;  // in the run's order (suite, name)
  std::vector<TestRow> gone;
  [[nodiscard]] std::vector<const JudgedTest*> with(HistoryVerdict verdict) const;
};

// How many earlier runs are read for a test's window (a test need not be in every run).
[[nodiscard]] inline int look_back_runs(const FlakyRule& rule) {
  return rule.window * 4 > 50 ? rule.window * 4 : 50;
}

[[nodiscard]] RunVerdicts judge_run(HistoryDatabase& history, std::int64_t run,
                                    const FlakyRule& rule);

// "run 12 of 2026-12-07 (commit abc1234)": how a digest or a report names a run.
[[nodiscard]] std::string run_label(const RunRow& run);

}  // namespace hurdle
