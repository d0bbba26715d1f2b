#include "history/run_verdicts.hpp"

#include <set>

#include "core/error.hpp"

namespace hurdle {

namespace {

std::string group_of(const std::string& suite) { return suite.substr(0, suite.find('.')); }

// How many earlier runs are looked at for a group's last run.
constexpr int kGroupLookBack = 50;

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
  std::set<std::string> groups;
  std::set<std::int64_t> present;
  for (auto& [test, entry] : history.results_of(run)) {
    JudgedTest j;
    j.outcome = entry.outcome;
    j.verdict = judge_test(entry.outcome, history.past(test.id, run, rule.window), rule);
    if (is_failure(entry.outcome)) {
      const auto streak = history.failing_streak(test.id, run);
      j.failing_runs = streak.runs;
      if (streak.since != 0) j.failing_since = history.run(streak.since);
    }
    groups.insert(group_of(test.suite));
    present.insert(test.id);
    j.test = std::move(test);
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
