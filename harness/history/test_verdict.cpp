#include "history/test_verdict.hpp"

namespace hurdle {

const char* to_string(HistoryVerdict verdict) {
  switch (verdict) {
    case HistoryVerdict::kPassing:
      return "passing";
    case HistoryVerdict::kNewFailure:
      return "new failure";
    case HistoryVerdict::kStillFailing:
      return "still failing";
    case HistoryVerdict::kFlaky:
      return "flaky";
    case HistoryVerdict::kFixed:
      return "fixed";
    case HistoryVerdict::kNewTest:
      return "new test";
    case HistoryVerdict::kGone:
      return "gone";
    case HistoryVerdict::kSkipped:
      return "skipped";
    case HistoryVerdict::kInfrastructure:
      return "infrastructure";
  }
  return "?";
}

namespace {

bool judges(Outcome o) { return is_pass(o) || is_failure(o); }

}  // namespace

TestVerdict judge_test(Outcome now, const std::vector<PastOutcome>& past, const FlakyRule& rule,
                       bool seen_before) {
  TestVerdict v;
  // The window: this run first, then the past that judged the test, newest first.
  std::vector<Outcome> window;
  if (judges(now)) window.push_back(now);
  std::optional<Outcome> last;  // the last earlier outcome that judged the test
  for (const auto& p : past) {
    if (!judges(p.outcome)) continue;
    if (!last) last = p.outcome;
    if (static_cast<int>(window.size()) >= rule.window) break;
    window.push_back(p.outcome);
  }
  bool retried = false;
  int passes = 0;
  for (std::size_t i = 0; i < window.size(); ++i) {
    retried = retried || window[i] == Outcome::kPassedOnRetry;
    if (is_failure(window[i]))
      ++v.failures;
    else
      ++passes;
    if (i > 0 && is_failure(window[i]) != is_failure(window[i - 1])) ++v.flips;
  }
  v.judged_runs = static_cast<int>(window.size());
  if (v.judged_runs > 1) v.flake_rate = static_cast<double>(v.flips) / (v.judged_runs - 1);
  if (v.judged_runs > 0) v.failure_rate = static_cast<double>(v.failures) / v.judged_runs;

  if (now == Outcome::kInfrastructure) {
    v.verdict = HistoryVerdict::kInfrastructure;
  } else if (!seen_before) {
    v.verdict = HistoryVerdict::kNewTest;
  } else if (now == Outcome::kSkipped) {
    v.verdict = HistoryVerdict::kSkipped;
  } else if (retried || (passes > 0 && v.failures > 0 && v.flips >= rule.min_flips)) {
    v.verdict = HistoryVerdict::kFlaky;
  } else if (is_failure(now)) {
    v.verdict =
        last && is_failure(*last) ? HistoryVerdict::kStillFailing : HistoryVerdict::kNewFailure;
  } else {
    v.verdict = last && is_failure(*last) ? HistoryVerdict::kFixed : HistoryVerdict::kPassing;
  }
  return v;
}

}  // namespace hurdle
