#include "report/summary_writer.hpp"

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/safe_text.hpp"

namespace hurdle {

void write_summary_json(const RunReport& report, int exit_status,
                        const std::filesystem::path& file) {
  nlohmann::json totals = {{"scenarios", 0}, {"passed", 0}, {"flaky", 0},
                           {"failed", 0},    {"error", 0},  {"skipped", 0}};
  nlohmann::json imported_totals = {
      {"tests", 0}, {"passed", 0}, {"failed", 0}, {"error", 0}, {"skipped", 0}};
  nlohmann::json suites = nlohmann::json::array();
  for (const auto& suite : report.suites) {
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& c : suite.cases) {
      totals["scenarios"] = totals["scenarios"].get<int>() + 1;
      totals[to_string(c.status)] = totals[to_string(c.status)].get<int>() + 1;
      nlohmann::json entry = {{"name", safe_text(c.name)},
                              {"status", to_string(c.status)},
                              {"seconds", c.seconds},
                              {"attempts", c.attempts},
                              {"file", safe_text(c.file.string())},
                              {"line", c.line},
                              {"message", safe_text(c.message)}};
      if (!c.imported.empty()) {
        // The project's own tests: counted apart from the scenarios, listed under theirs.
        nlohmann::json tests = nlohmann::json::array();
        nlohmann::json counts = {
            {"tests", 0}, {"passed", 0}, {"failed", 0}, {"error", 0}, {"skipped", 0}};
        for (const auto& i : c.imported) {
          counts["tests"] = counts["tests"].get<int>() + 1;
          counts[to_string(i.status)] = counts[to_string(i.status)].get<int>() + 1;
          tests.push_back({{"name", safe_text(i.name)},
                           {"status", to_string(i.status)},
                           {"message", safe_text(i.message)}});
        }
        for (const auto& [key, value] : counts.items())
          imported_totals[key] = imported_totals[key].get<int>() + value.get<int>();
        entry["imported"] = {{"counts", counts}, {"tests", tests}};
      }
      cases.push_back(std::move(entry));
    }
    suites.push_back({{"name", safe_text(suite.name)},
                      {"timestamp", safe_text(suite.timestamp)},
                      {"boot_seconds", suite.boot_seconds},
                      {"scenarios", cases}});
  }
  const nlohmann::json summary = {{"exit_status", exit_status},
                                  {"hostname", safe_text(report.hostname)},
                                  {"totals", totals},
                                  {"imported_tests", imported_totals},
                                  {"suites", suites}};
  // Every text went through safe_text; replacing what is not UTF-8 is the second line of defence.
  write_file_atomically(
      file, summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace hurdle
