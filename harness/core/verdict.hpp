// What became of a test: the one verdict type of hurdle (a scenario's result, a report's case,
// a project's own test imported from its results), and the one rule of what a report shows as
// not passed.
#pragma once

namespace hurdle {

// kFlaky: passed on a retry after failing. kSkipped: selected but never run (GoogleTest's
// --gtest_fail_fast stopped the run first, or the imported results say so).
enum class Verdict { kPassed, kFlaky, kFailed, kError, kSkipped };

// "passed", "flaky", "failed", "error", "skipped": as summary.json and messages name them.
[[nodiscard]] constexpr const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kPassed:
      return "passed";
    case Verdict::kFlaky:
      return "flaky";
    case Verdict::kFailed:
      return "failed";
    case Verdict::kError:
      return "error";
    case Verdict::kSkipped:
      break;
  }
  return "skipped";
}

// Failed or an error: what makes a run fail.
[[nodiscard]] constexpr bool failed(Verdict v) {
  return v == Verdict::kFailed || v == Verdict::kError;
}

// What every report lists for a person to look at: a failure, an error, or a pass that took a
// retry.
[[nodiscard]] constexpr bool not_passed(Verdict v) { return failed(v) || v == Verdict::kFlaky; }

}  // namespace hurdle
