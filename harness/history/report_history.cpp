#include "history/report_history.hpp"

#include <cstdlib>
#include <map>

#include "core/run_program.hpp"

namespace hurdle {

void add_commit_facts(RunFacts& facts) {
  const char* sha = std::getenv("GITHUB_SHA");
  const char* ref = std::getenv("GITHUB_REF_NAME");
  if (sha != nullptr && *sha != '\0') {
    facts.commit = sha;
    if (ref != nullptr) facts.ref = ref;
    return;
  }
  try {
    const ProgramResult head = run_program({"git", "rev-parse", "HEAD"});
    if (!head.ok()) return;
    facts.commit = head.out.substr(0, head.out.find('\n'));
    const ProgramResult branch = run_program({"git", "rev-parse", "--abbrev-ref", "HEAD"});
    if (branch.ok()) facts.ref = branch.out.substr(0, branch.out.find('\n'));
  } catch (const std::exception&) {
    // No git: the run has no commit.
  }
}

void annotate_report(RunReport& report, const RunVerdicts& verdicts) {
  std::map<std::pair<std::string, std::string>, const JudgedTest*> judged;
  for (const auto& t : verdicts.tests) judged[{t.test.suite, t.test.name}] = &t;
  const auto annotate = [&](ReportCase& c, const std::string& classname) {
    const auto it = judged.find({classname, c.name});
    if (it == judged.end()) return;
    const JudgedTest& j = *it->second;
    CaseHistory h;
    h.verdict = to_string(j.verdict.verdict);
    h.flake_rate = j.verdict.flake_rate;
    h.judged_runs = j.verdict.judged_runs;
    if (j.failing_since) {
      h.failing_since = run_label(*j.failing_since);
      h.failing_runs = j.failing_runs;
    }
    c.history = std::move(h);
  };
  for (auto& suite : report.suites) {
    for (auto& c : suite.cases) {
      annotate(c, suite.name);
      for (auto& i : c.imported) annotate(i, suite.name + "." + c.name);
    }
  }
  // A gone test goes with its group's suite, else with the first.
  for (const auto& gone : verdicts.gone) {
    ReportSuite* home = report.suites.empty() ? nullptr : &report.suites.front();
    const std::string group = gone.suite.substr(0, gone.suite.find('.'));
    for (auto& suite : report.suites)
      if (suite.name == group) home = &suite;
    if (home) home->properties.emplace_back("history.gone", gone.id_text());
  }
}

RunVerdicts record_and_judge(RunReport& report, const std::filesystem::path& file, RunFacts facts,
                             const FlakyRule& rule) {
  HistoryDatabase history(file, HistoryDatabase::Mode::kWrite);
  const std::int64_t id = history.record(recorded_run_of(report, std::move(facts)));
  RunVerdicts verdicts = judge_run(history, id, rule);
  annotate_report(report, verdicts);
  return verdicts;
}

}  // namespace hurdle
