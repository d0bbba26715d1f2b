#include "history/history_digest.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "core/error.hpp"
#include "history/run_verdicts.hpp"

namespace hurdle {

namespace {

std::string percent(double rate) {
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", rate * 100.0);
  return text;
}

RunRow run_named(HistoryDatabase& history, const std::string& since) {
  const bool number = !since.empty() && since.find_first_not_of("0123456789") == std::string::npos;
  std::optional<RunRow> run;
  if (number && since.size() < 16) {
    run = history.run(std::stoll(since));
  } else {
    run = history.first_run_since(since);
  }
  if (!run)
    throw HistoryError(
        history.sql().file().string() + ": no run " +
        (number ? std::to_string(std::stoll(since.substr(0, 15))) : "on or after " + since) +
        " (`hurdle history runs` lists them)");
  return *run;
}

std::string since_text(const JudgedTest& t) {
  if (!t.failing_since) return "";
  return " (failing since " + run_label(*t.failing_since) + ", " + std::to_string(t.failing_runs) +
         " run" + (t.failing_runs == 1 ? "" : "s") + ")";
}

}  // namespace

std::string history_digest(HistoryDatabase& history, const std::string& since,
                           const FlakyRule& rule) {
  const auto newest = history.run_before(0);
  if (since == "previous") {
    if (!newest) return "hurdle: the history holds no run yet.\n";
    const auto before = history.run_before(newest->id);
    if (!before)
      return "hurdle: " + run_label(*newest) +
             " is the history's first: nothing to compare it with yet.\n";
    return history_digest(history, std::to_string(before->id), rule);
  }
  const RunRow from = run_named(history, since);
  if (!newest || newest->id <= from.id)
    throw HistoryError(history.sql().file().string() + ": no run after " + run_label(from) +
                       ": nothing to compare");
  const RunVerdicts then = judge_run(history, from.id, rule);
  const RunVerdicts now = judge_run(history, newest->id, rule);
  std::map<std::int64_t, const JudgedTest*> before;
  for (const auto& t : then.tests) before[t.test.id] = &t;
  // Where each test stood at `from`: its last outcome that judged it, up to that run (a test
  // that was not in that run stands where it last ran).
  const auto up_to_then = history.recent_outcomes(from.id + 1, look_back_runs(rule));
  const auto failing_then = [&](std::int64_t test) {
    const auto it = up_to_then.find(test);
    if (it == up_to_then.end()) return false;
    for (const auto& p : it->second)
      if (is_pass(p.outcome) || is_failure(p.outcome)) return is_failure(p.outcome);
    return false;
  };

  std::vector<const JudgedTest*> broke, fixed, flakes;
  std::set<std::int64_t> present;
  for (const auto& t : now.tests) {
    present.insert(t.test.id);
    const auto it = before.find(t.test.id);
    const bool flaky = t.verdict.verdict == HistoryVerdict::kFlaky;
    const bool flaky_then =
        it != before.end() && it->second->verdict.verdict == HistoryVerdict::kFlaky;
    if (flaky) {
      if (!flaky_then) flakes.push_back(&t);
    } else if (is_failure(t.outcome) && !failing_then(t.test.id)) {
      broke.push_back(&t);
    } else if (is_pass(t.outcome) && failing_then(t.test.id)) {
      fixed.push_back(&t);
    }
  }
  std::vector<TestRow> gone;
  for (const auto& t : then.tests)
    if (present.count(t.test.id) == 0) gone.push_back(t.test);

  int failing = 0;
  for (const auto& t : now.tests) failing += is_failure(t.outcome) ? 1 : 0;
  std::string text = "hurdle: since " + run_label(from) + ", up to " + run_label(now.run) + " (" +
                     std::to_string(now.run.id - from.id) + " run" +
                     (now.run.id - from.id == 1 ? "" : "s") +
                     " later): " + std::to_string(now.tests.size()) + " tests, " +
                     std::to_string(failing) + " failing\n";
  if (broke.empty() && fixed.empty() && flakes.empty() && gone.empty())
    return text + "Nothing changed.\n";
  if (!broke.empty()) {
    text += "\nNew failures (" + std::to_string(broke.size()) + "):\n";
    for (const auto* t : broke) text += "  " + t->test.id_text() + since_text(*t) + "\n";
  }
  if (!fixed.empty()) {
    text += "\nFixed (" + std::to_string(fixed.size()) + "):\n";
    for (const auto* t : fixed) text += "  " + t->test.id_text() + "\n";
  }
  if (!flakes.empty()) {
    text += "\nNew flakes (" + std::to_string(flakes.size()) + "):\n";
    for (const auto* t : flakes)
      text += "  " + t->test.id_text() + " (" + std::to_string(t->verdict.failures) + " of " +
              std::to_string(t->verdict.judged_runs) + " runs failed, " +
              std::to_string(t->verdict.flips) + " changes)\n";
  }
  if (!gone.empty()) {
    text += "\nGone (" + std::to_string(gone.size()) + "):\n";
    for (const auto& t : gone) text += "  " + t.id_text() + "\n";
  }
  return text;
}

std::string failing_text(HistoryDatabase& history) {
  std::vector<HistoryDatabase::Standing> found;
  for (auto& [id, standing] : history.standings())
    if (standing.last_judged_run != 0 && is_failure(standing.last_judged))
      found.push_back(std::move(standing));
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.failing_since < b.failing_since; });
  if (found.empty()) return "No test fails in its newest run.\n";
  std::string text;
  for (const auto& f : found) {
    const auto since = history.run(f.failing_since);
    text += f.test.id_text() + "  failing since " +
            (since ? run_label(*since) : "run " + std::to_string(f.failing_since)) + ", " +
            std::to_string(f.failing_runs) + " run" + (f.failing_runs == 1 ? "" : "s") + "\n";
  }
  return text;
}

std::string flaky_text(HistoryDatabase& history, const FlakyRule& rule) {
  struct Flaky {
    TestRow test;
    TestVerdict verdict;
    std::optional<RunRow> last_failure;
  };
  const auto standings = history.standings();
  std::vector<Flaky> found;
  for (const auto& [id, past] : history.recent_outcomes(0, rule.window)) {
    const Outcome now = past.front().outcome;
    const std::vector<PastOutcome> before(past.begin() + 1, past.end());
    const TestVerdict v = judge_test(now, before, rule, true);
    if (v.verdict != HistoryVerdict::kFlaky) continue;
    std::optional<RunRow> last;
    for (const auto& p : past)
      if (is_failure(p.outcome) || p.outcome == Outcome::kPassedOnRetry) {
        last = history.run(p.run);
        break;
      }
    const auto standing = standings.find(id);
    if (standing != standings.end()) found.push_back({standing->second.test, v, last});
  }
  std::stable_sort(found.begin(), found.end(), [](const Flaky& a, const Flaky& b) {
    return a.verdict.flake_rate > b.verdict.flake_rate;
  });
  if (found.empty())
    return "No flaky test (the rule: over the last " + std::to_string(rule.window) +
           " runs, a pass and a failure and " + std::to_string(rule.min_flips) +
           " changes, or a pass on a retry).\n";
  std::string text;
  for (const auto& f : found)
    text += f.test.id_text() + "  flake rate " + percent(f.verdict.flake_rate) + ", failed " +
            std::to_string(f.verdict.failures) + " of " + std::to_string(f.verdict.judged_runs) +
            " runs" + (f.last_failure ? ", last seen in " + run_label(*f.last_failure) : "") + "\n";
  return text;
}

std::string timeline_text(HistoryDatabase& history, const std::string& test) {
  const auto tests = history.tests_named(test);
  if (tests.empty())
    throw HistoryError(history.sql().file().string() + ": no test named '" + test +
                       "' (SUITE.NAME, or a glob of them)");
  std::string text;
  for (const auto& t : tests) {
    text += t.id_text() + "\n";
    for (const auto& e : history.timeline(t.id)) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.3f s", e.seconds);
      text += "  " + run_label(e.run) + "  " + to_string(e.outcome) + "  " + seconds +
              (e.attempts > 1 ? "  " + std::to_string(e.attempts) + " attempts" : "") +
              (e.message_digest.empty() ? "" : "  message " + e.message_digest) + "\n";
    }
  }
  return text;
}

std::string runs_text(HistoryDatabase& history) {
  std::string text;
  for (const auto& r : history.runs()) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f s", r.facts.seconds);
    text += run_label(r) + "  " + r.facts.verdict + "  " + std::to_string(r.tests) + " tests  " +
            seconds + (r.facts.machine.empty() ? "" : "  " + r.facts.machine) +
            (r.facts.source.empty() ? "" : "  (" + r.facts.source + ")") + "\n";
  }
  return text.empty() ? "No run recorded yet.\n" : text;
}

}  // namespace hurdle
