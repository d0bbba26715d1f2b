// A run's report and its history: the report recorded (its own outcomes, whatever the
// expectations make of them), every test judged against the runs before it, and the verdicts
// written back into the report's cases (ReportCase::history) and suites (`history.gone`), for
// every writer to show.
#pragma once

#include <filesystem>
#include <string>

#include "history/run_verdicts.hpp"
#include "report/run_report.hpp"

namespace hurdle {

// The commit and ref of the run: $GITHUB_SHA and $GITHUB_REF_NAME, else `git rev-parse` in
// the current folder when it is a checkout; empty when neither says.
void add_commit_facts(RunFacts& facts);

// Records `report` in the history `file` (made when missing) with `facts`, judges it and
// annotates `report`. Throws HistoryError for a file that is not a history.
RunVerdicts record_and_judge(RunReport& report, const std::filesystem::path& file, RunFacts facts,
                             const FlakyRule& rule);

// Writes `verdicts` into `report`'s cases, imported tests and suites.
void annotate_report(RunReport& report, const RunVerdicts& verdicts);

}  // namespace hurdle
