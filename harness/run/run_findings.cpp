#include "run/run_findings.hpp"

#include <map>

#include "core/print_error.hpp"
#include "history/history_database.hpp"
#include "history/report_history.hpp"
#include "history/test_outcome.hpp"

namespace hurdle {

namespace {

// A failure's shape: its kind and the digest of its message's first line, digits left out.
std::string failure_shape(const ReportCase& c) {
  return c.type + ":" + message_digest(c.message.substr(0, c.message.find('\n')));
}

void print_verdicts(const RunVerdicts& v, std::ostream& out, RunFindings& findings) {
  std::map<HistoryVerdict, int> counts;
  for (const auto& t : v.tests) ++counts[t.verdict.verdict];
  out << "hurdle: history: " << run_label(v.run) << ":";
  bool first = true;
  for (const auto verdict :
       {HistoryVerdict::kNewFailure, HistoryVerdict::kStillFailing, HistoryVerdict::kFlaky,
        HistoryVerdict::kFixed, HistoryVerdict::kNewTest}) {
    if (counts[verdict] == 0) continue;
    out << (first ? " " : ", ") << counts[verdict] << " " << to_string(verdict);
    first = false;
  }
  if (!v.gone.empty()) out << (first ? " " : ", ") << v.gone.size() << " gone";
  if (first && v.gone.empty()) out << " nothing changed";
  out << "\n";
  for (const auto* t : v.with(HistoryVerdict::kNewFailure)) {
    out << "  new failure: " << t->test.id_text() << "\n";
    findings.new_failures.push_back(t->test.id_text());
  }
  for (const auto* t : v.with(HistoryVerdict::kNewTest))
    if (is_failure(t->outcome)) {
      out << "  new test, failing: " << t->test.id_text() << "\n";
      findings.new_failures.push_back(t->test.id_text());
    }
  for (const auto* t : v.with(HistoryVerdict::kStillFailing))
    out << "  still failing: " << t->test.id_text() << " since "
        << (t->failing_since ? run_label(*t->failing_since) : std::string("?")) << " ("
        << t->failing_runs << " runs)\n";
  for (const auto* t : v.with(HistoryVerdict::kFlaky))
    out << "  flaky: " << t->test.id_text() << " (" << t->verdict.flips << " changes in "
        << t->verdict.judged_runs << " runs)\n";
  for (const auto* t : v.with(HistoryVerdict::kFixed))
    out << "  fixed: " << t->test.id_text() << "\n";
  for (const auto& g : v.gone) out << "  gone: " << g.id_text() << "\n";
}

// "passed", "failed", or "infrastructure" when every failure was the machinery's.
std::string report_verdict(const RunReport& report) {
  bool any_failed = false;
  bool only_infrastructure = true;
  for (const auto& suite : report.suites)
    for (const auto& c : suite.cases) {
      if (!failed(c.status)) continue;
      any_failed = true;
      only_infrastructure = only_infrastructure && outcome_of(c) == Outcome::kInfrastructure;
    }
  if (!any_failed) return "passed";
  return only_infrastructure ? "infrastructure" : "failed";
}

}  // namespace

std::optional<std::string> probable_infrastructure(const RunReport& report) {
  int scenarios = 0;
  std::map<std::string, std::pair<int, const ReportCase*>> shapes;  // -> count, the first
  for (const auto& suite : report.suites)
    for (const auto& c : suite.cases) {
      ++scenarios;
      if (!failed(c.status)) continue;
      auto& [count, first] = shapes[failure_shape(c)];
      if (count++ == 0) first = &c;
    }
  for (const auto& [shape, seen] : shapes) {
    const auto& [count, first] = seen;
    if (count < 3 || count * 2 <= scenarios) continue;
    const std::string line = first->message.substr(0, first->message.find('\n'));
    return std::to_string(count) + " of " + std::to_string(scenarios) +
           " scenarios failed the same way (" + first->type + ": " + line.substr(0, 300) +
           "): look at the machine, the image and the host before the tests";
  }
  return std::nullopt;
}

RunFindings add_findings(RunReport& report, const FindingsOptions& options, std::ostream& out) {
  RunFindings findings;
  if (const auto why = probable_infrastructure(report); why && !report.suites.empty()) {
    report.suites.front().properties.emplace_back("infrastructure.probable", *why);
    out << "hurdle: probably infrastructure, not the tests: " << *why << "\n";
  }
  std::optional<HistoryDatabase> history;
  if (!options.history.empty()) {
    try {
      history.emplace(options.history, HistoryDatabase::Mode::kWrite);
      RunFacts facts;
      facts.source = options.source;
      add_commit_facts(facts);
      RecordedRun run = recorded_run_of(report, std::move(facts));
      run.facts.verdict = report_verdict(report);
      findings.history_run = history->record(run);
      const RunVerdicts verdicts = judge_run(*history, findings.history_run, options.flaky);
      annotate_report(report, verdicts);
      print_verdicts(verdicts, out, findings);
    } catch (const std::exception& e) {
      findings.history_error =
          std::string("the run could not be recorded in its history: ") + e.what();
      print_error("hurdle: " + *findings.history_error);
      history.reset();
    }
  }
  if (options.expectations) {
    const ExpectationFindings x =
        apply_expectations(report, *options.expectations, options.strict,
                           history ? &*history : nullptr, findings.history_run);
    if (x.known > 0 || !x.xpass.empty() || !x.stale.empty()) {
      out << "hurdle: expectations (" << options.expectations->file.string() << "): " << x.known
          << " known failure(s)";
      if (!x.xpass.empty()) out << ", " << x.xpass.size() << " expected to fail but passed";
      if (!x.stale.empty()) out << ", " << x.stale.size() << " stale";
      out << "\n";
    }
    for (const auto& id : x.xpass) out << "  XPASS: " << id << "\n";
    for (const auto* e : x.stale)
      out << "  stale: " << e->where_text() << ": " << e->test << " matched no test in "
          << options.expectations->stale_after << " runs\n";
  }
  out.flush();
  return findings;
}

}  // namespace hurdle
