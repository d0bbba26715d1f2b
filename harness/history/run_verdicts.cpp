#include "history/run_verdicts.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/error.hpp"

namespace hurdle {

namespace {

std::string group_of(const std::string& suite) { return suite.substr(0, suite.find('.')); }

// How many earlier runs are looked at for a group's last run.
constexpr int kGroupLookBack = 50;

// The outcomes of `results`' tests in the runs before `run`, newest first: run by run, until
// each has the window's worth that judged it, or the look-back ends (a test that is not in
// every run).
std::unordered_map<std::int64_t, std::vector<PastOutcome>> recent_pasts(
    HistoryDatabase& history, std::int64_t run,
    const std::vector<std::pair<TestRow, TimelineEntry>>& results, const FlakyRule& rule) {
  std::unordered_map<std::int64_t, std::vector<PastOutcome>> pasts;
  std::unordered_map<std::int64_t, int> judged;
  for (const auto& [test, entry] : results) {
    pasts[test.id];
    judged[test.id] = 0;
  }
  std::size_t short_of_window = results.size();
  const int look_back = look_back_runs(rule);
  std::optional<RunRow> earlier = history.run_before(run);
  for (int n = 0; earlier && short_of_window > 0 && n < look_back; ++n) {
    for (const auto& [test, outcome] : history.outcomes_of(earlier->id)) {
      const auto it = pasts.find(test);
      if (it == pasts.end()) continue;
      int& count = judged[test];
      if (count >= rule.window) continue;
      it->second.push_back({earlier->id, outcome});
      if ((is_pass(outcome) || is_failure(outcome)) && ++count == rule.window) --short_of_window;
    }
    earlier = history.run_before(earlier->id);
  }
  return pasts;
}

}  // namespace

std::vector<const JudgedTest*> RunVerdicts::with(HistoryVerdict verdict) const {
  std::vector<const JudgedTest*> found;
  for (const auto& t : tests)
    if (t.verdict.verdict == verdict) found.push_back(&t);
  return found;
}

std::string run_label(const RunRow& run) {
  std::string label = "run " + std::to_string(run.id) + " of " + run.facts.started.substr(0, 10);
  if (!run.facts.commit.empty()) label += " (commit " + run.facts.commit.substr(0, 12) + ")";
  return label;
}

RunVerdicts judge_run(HistoryDatabase& history, std::int64_t run, const FlakyRule& rule) {
  RunVerdicts v;
  const auto row = history.run(run);
  if (!row) throw HistoryError(history.sql().file().string() + ": no run " + std::to_string(run));
  v.run = *row;
  const auto standings = history.standings();
  const auto results = history.results_of(run);
  const auto pasts = recent_pasts(history, run, results, rule);
  std::set<std::string> groups;
  std::set<std::int64_t> present;
  for (auto& [test, entry] : results) {
    JudgedTest j;
    j.outcome = entry.outcome;
    const auto standing = standings.find(test.id);
    const bool seen_before = standing != standings.end() && standing->second.first_run < run;
    const auto past = pasts.find(test.id);
    static const std::vector<PastOutcome> kNone;
    const std::vector<PastOutcome>& before = past == pasts.end() ? kNone : past->second;
    j.verdict = judge_test(entry.outcome, before, rule, seen_before);
    if (is_failure(entry.outcome)) {
      if (standing != standings.end() && standing->second.last_judged_run == run) {
        // The newest run of the test: its standing says since when.
        j.failing_runs = standing->second.failing_runs;
        j.failing_since = history.run(standing->second.failing_since);
      } else {
        // An older run: the streak as far as the recent runs go.
        std::int64_t since = run;
        j.failing_runs = 1;
        for (const auto& p : before) {
          if (is_pass(p.outcome)) break;
          if (!is_failure(p.outcome)) continue;
          since = p.run;
          ++j.failing_runs;
        }
        j.failing_since = history.run(since);
      }
    }
    groups.insert(group_of(test.suite));
    present.insert(test.id);
    j.test = test;
    v.tests.push_back(std::move(j));
  }
  // Gone: each group's tests in the last earlier run that had the group.
  std::set<std::string> open = groups;
  std::optional<RunRow> earlier = history.run_before(run);
  for (int n = 0; earlier && !open.empty() && n < kGroupLookBack; ++n) {
    std::set<std::string> found;
    for (const auto& [test, entry] : history.results_of(earlier->id)) {
      const std::string group = group_of(test.suite);
      if (open.count(group) == 0) continue;
      found.insert(group);
      if (present.count(test.id) == 0) v.gone.push_back(test);
    }
    for (const auto& g : found) open.erase(g);
    earlier = history.run_before(earlier->id);
  }
  return v;
}

}  // namespace hurdle
