// The verdict of one test against its history, as a pure rule over its recorded outcomes:
// new failure (failed, and passed the last time it ran), still failing (failed the last time
// too), flaky (the rule below, or passed only on a retry), fixed (failed the last time, passes
// now), new test (no recorded run has it), or passing / skipped / infrastructure. The
// database's side (since when a test fails, which tests are gone) is run_verdicts'.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "history/test_outcome.hpp"

namespace hurdle {

enum class HistoryVerdict {
  kPassing,
  kNewFailure,
  kStillFailing,
  kFlaky,
  kFixed,
  kNewTest,
  kGone,
  kSkipped,
  kInfrastructure,
};

// "passing", "new failure", "still failing", "flaky", "fixed", "new test", "gone",
// "skipped", "infrastructure".
[[nodiscard]] const char* to_string(HistoryVerdict verdict);

// Flaky: over the last `window` runs that judged the test (this one included; skipped and
// infrastructure outcomes judge nothing), at least one pass and one failure and at least
// `min_flips` changes between them, or a pass on a retry. A test that broke once and was
// fixed changes twice (pass, fail, pass): the default asks for three.
struct FlakyRule {
  int window = 10;
  int min_flips = 3;
};

struct PastOutcome {
  std::int64_t run = 0;
  Outcome outcome = Outcome::kPassed;
};

struct TestVerdict {
  HistoryVerdict verdict = HistoryVerdict::kPassing;
  int judged_runs = 0;      // in the window, this one included
  int failures = 0;         // of them
  int flips = 0;            // changes between pass and failure in the window
  double flake_rate = 0;    // flips / (judged_runs - 1); 0 with fewer than two
  double failure_rate = 0;  // failures / judged_runs
};

// `now`: this run's outcome; `past`: the test's earlier outcomes, newest first (at least the
// window's worth when there are as many; more are not read); `seen_before`: an earlier run had
// the test (when `past` holds only some of the runs before).
[[nodiscard]] TestVerdict judge_test(Outcome now, const std::vector<PastOutcome>& past,
                                     const FlakyRule& rule, bool seen_before);
[[nodiscard]] inline TestVerdict judge_test(Outcome now, const std::vector<PastOutcome>& past,
                                            const FlakyRule& rule) {
  return judge_test(now, past, rule, !past.empty());
}

}  // namespace hurdle
