// What a run produced, as plain data for report writers: suites, their properties, and one
// case per scenario run (status, time, where it is written, the failure, the step log and the
// artifacts). The scenario runner fills it; JUnitWriter and summaries read it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace hurdle {

struct ReportCase {
  enum class Status { kPassed, kFlaky, kFailed, kError, kSkipped };
  std::string name;
  Status status = Status::kPassed;
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

// "passed", "flaky", "failed", "error", "skipped": as summary.json and messages name them.
[[nodiscard]] inline const char* to_string(ReportCase::Status s) {
  switch (s) {
    case ReportCase::Status::kPassed:
      return "passed";
    case ReportCase::Status::kFlaky:
      return "flaky";
    case ReportCase::Status::kFailed:
      return "failed";
    case ReportCase::Status::kError:
      return "error";
    case ReportCase::Status::kSkipped:
      break;
  }
  return "skipped";
}

// How many cases of each status, and their time: the totals the summaries print.
struct StatusCounts {
  int passed = 0, flaky = 0, failed = 0, errors = 0, skipped = 0;
  double seconds = 0;
  [[nodiscard]] int total() const { return passed + flaky + failed + errors + skipped; }
  void add(const ReportCase& c) {
    seconds += c.seconds;
    switch (c.status) {
      case ReportCase::Status::kPassed:
        ++passed;
        return;
      case ReportCase::Status::kFlaky:
        ++flaky;
        return;
      case ReportCase::Status::kFailed:
        ++failed;
        return;
      case ReportCase::Status::kError:
        ++errors;
        return;
      case ReportCase::Status::kSkipped:
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
