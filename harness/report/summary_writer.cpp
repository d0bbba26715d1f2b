#include "report/summary_writer.hpp"

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"

namespace hurdle {

namespace {

const char* status_name(ReportCase::Status s) {
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

}  // namespace

void write_summary_json(const RunReport& report, int exit_status,
                        const std::filesystem::path& file) {
  nlohmann::json totals = {{"scenarios", 0}, {"passed", 0}, {"flaky", 0},
                           {"failed", 0},    {"error", 0},  {"skipped", 0}};
  nlohmann::json suites = nlohmann::json::array();
  for (const auto& suite : report.suites) {
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& c : suite.cases) {
      totals["scenarios"] = totals["scenarios"].get<int>() + 1;
      totals[status_name(c.status)] = totals[status_name(c.status)].get<int>() + 1;
      cases.push_back({{"name", c.name},
                       {"status", status_name(c.status)},
                       {"seconds", c.seconds},
                       {"attempts", c.attempts},
                       {"file", c.file.string()},
                       {"line", c.line},
                       {"message", c.message}});
    }
    suites.push_back({{"name", suite.name},
                      {"timestamp", suite.timestamp},
                      {"boot_seconds", suite.boot_seconds},
                      {"scenarios", cases}});
  }
  const nlohmann::json summary = {{"exit_status", exit_status},
                                  {"hostname", report.hostname},
                                  {"totals", totals},
                                  {"suites", suites}};
  write_file_atomically(file, summary.dump(2) + "\n");
}

}  // namespace hurdle
