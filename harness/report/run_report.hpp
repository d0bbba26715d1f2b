// What a run produced, as plain data for report writers: suites, their properties, and one
// case per scenario run (status, time, where it is written, the failure, the step log and the
// artifacts). The scenario runner fills it; JUnitWriter and summaries read it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/verdict.hpp"

namespace hurdle {

// What the run's history says of a case (hurdle run --history), as report writers show it.
struct CaseHistory {
  std::string verdict;        // "new failure", "still failing", "flaky", "fixed", "new test", ...
  std::string failing_since;  // a failing case's first failing run: "run 12 of 2026-12-01 ..."
  int failing_runs = 0;       // failures in a row, this run's included
  double flake_rate = 0;      // changes between pass and failure per run, over the window
  int judged_runs = 0;        // the window's runs that judged the case, this one included
};

// The line of the expectations file that matched a case, and what became of it.
struct CaseExpectation {
  std::string kind;     // "fails", "flaky", "skip"
  std::string outcome;  // "known failure", "known flaky", "XPASS", "skipped"
  std::string bug, reason;
  std::string where;          // FILE:LINE of the expectation
  std::string status_before;  // the case's own status ("failed"), before the expectation
};

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
  std::optional<CaseHistory> history;
  std::optional<CaseExpectation> expectation;
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

// The order a report lists cases a person must look at, by what the history says: new
// failures first, then new tests that fail, flaky, still failing, the rest.
[[nodiscard]] inline int history_rank(const ReportCase& c) {
  if (!c.history) return 5;
  const std::string& v = c.history->verdict;
  if (v == "new failure") return 0;
  if (v == "new test") return failed(c.status) ? 1 : 5;
  if (v == "flaky") return 2;
  if (v == "still failing") return 3;
  if (v == "fixed") return 4;
  return 5;
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
  // hurdle's and the suite's facts; also, for the run's history, one `history.gone` per test of
  // the suite that the last run had and this one has not, one `expectations.stale` per
  // expectation that matched nothing for as many runs as it may, and `infrastructure.probable`
  // with why, when most scenarios failed the same way.
  std::vector<std::pair<std::string, std::string>> properties;
  double boot_seconds = 0;  // booting and provisioning the machine: in the suite's time only
  std::vector<ReportCase> cases;
};

struct RunReport {
  std::string hostname;
  std::vector<ReportSuite> suites;
};

// "sha256:HEX" of each disk image the suite's properties name (image.NODE.sha256), in order;
// an image that was not hashed is left out.
[[nodiscard]] inline std::vector<std::string> image_digests(const ReportSuite& suite) {
  std::vector<std::string> digests;
  for (const auto& [key, value] : suite.properties)
    if (key.rfind("image.", 0) == 0 && key.size() > 7 &&
        key.compare(key.size() - 7, 7, ".sha256") == 0 && value.rfind("unavailable", 0) != 0)
      digests.push_back("sha256:" + value);
  return digests;
}

// The values of every suite's property `name`, in order.
[[nodiscard]] inline std::vector<std::string> property_values(const RunReport& report,
                                                              const std::string& name) {
  std::vector<std::string> values;
  for (const auto& suite : report.suites)
    for (const auto& [key, value] : suite.properties)
      if (key == name) values.push_back(value);
  return values;
}

}  // namespace hurdle
