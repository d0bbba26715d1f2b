// What a run produced, as plain data for report writers: suites, their properties, and one
// case per scenario run (status, time, where it is written, the failure, the step log and the
// artifacts). The scenario runner fills it; JUnitWriter and summaries read it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/verdict.hpp"

namespace hurdle {

struct ReportCase {
  std::string name;
  Verdict status = Verdict::kPassed;
  double seconds = 0;
  std::filesystem::path file;
  std::size_t line = 0;
  std::string message;  // the failed step and what was expected versus what came
  std::string type;     // the error kind, e.g. "StepFailed", "ConsoleError"
  std::string details;  // longer text for the failure element
  std::string step_log;
  std::vector<std::filesystem::path> attachments;
  int attempts = 1;
  // The project's own tests the scenario imported: JUnit test cases of their own, with the
  // classname SUITE.SCENARIO (name, status, seconds, message, details as the test's output).
  std::vector<ReportCase> imported;
};

// How many of `c`'s imported tests failed or were errors.
[[nodiscard]] inline int imported_failures(const ReportCase& c) {
  int n = 0;
  for (const auto& i : c.imported) n += failed(i.status) ? 1 : 0;
  return n;
}

// The one rule every report (HTML, Markdown, annotations) uses for what a person must look at:
// a case not passed (failed, error, or passed only on a retry), or one whose imported tests
// did not all pass.
[[nodiscard]] inline bool needs_attention(const ReportCase& c) {
  return not_passed(c.status) || imported_failures(c) > 0;
}

// How many cases of each status, and their time: the totals the summaries print.
struct StatusCounts {
  int passed = 0, flaky = 0, failed = 0, errors = 0, skipped = 0;
  double seconds = 0;
  [[nodiscard]] int total() const { return passed + flaky + failed + errors + skipped; }
  void add(const ReportCase& c) {
    seconds += c.seconds;
    switch (c.status) {
      case Verdict::kPassed:
        ++passed;
        return;
      case Verdict::kFlaky:
        ++flaky;
        return;
      case Verdict::kFailed:
        ++failed;
        return;
      case Verdict::kError:
        ++errors;
        return;
      case Verdict::kSkipped:
        ++skipped;
        return;
    }
  }
};

struct ReportSuite {
  std::string name;
  std::string timestamp;  // ISO 8601, when the suite started
  std::vector<std::pair<std::string, std::string>> properties;
  double boot_seconds = 0;  // booting and provisioning the machine: in the suite's time only
  std::vector<ReportCase> cases;
};

struct RunReport {
  std::string hostname;
  std::vector<ReportSuite> suites;
};

}  // namespace hurdle
