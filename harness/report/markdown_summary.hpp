// A run report as Markdown, for GitHub's job summary ($GITHUB_STEP_SUMMARY) and the terminal:
// one line of totals, a table of suites, then every scenario that did not pass with its place
// in the suite file and its message, and the counts of the project tests it imported. Messages
// hold the guest's words: they go into fenced code blocks (a fence longer than any run of
// backticks in them), where Markdown and HTML are not interpreted.
#pragma once

#include <string>

#include "report/run_report.hpp"

namespace hurdle {

[[nodiscard]] std::string markdown_summary(const RunReport& report);

}  // namespace hurdle
