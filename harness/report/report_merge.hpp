// Merges the reports of several runs (the shards of a nightly run, one job each) into one:
// suites of one name become one suite (properties kept, each distinct name and value once;
// boot times added up; the earliest timestamp), and every test case is kept once, in the order
// the inputs list them. A case that two inputs both report (two shards given the same part)
// is kept once, as an error that names it and both files, so the merged report can never
// count a scenario twice or hide one of its outcomes.
#pragma once

#include <filesystem>
#include <vector>

#include "report/run_report.hpp"

namespace hurdle {

struct ReportInput {
  std::filesystem::path file;  // where the report came from, for messages
  RunReport report;
};

[[nodiscard]] RunReport merge_reports(const std::vector<ReportInput>& inputs);

}  // namespace hurdle
