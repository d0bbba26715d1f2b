#include "report/summary_writer.hpp"

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/safe_text.hpp"

namespace hurdle {

namespace {

// What the history and the expectations say of `c`, when they say anything.
void add_findings(nlohmann::json& entry, const ReportCase& c) {
  if (const auto& h = c.history) {
    entry["history"] = {{"verdict", safe_text(h->verdict)},
                        {"flake_rate", h->flake_rate},
                        {"judged_runs", h->judged_runs}};
    if (!h->failing_since.empty()) {
      entry["history"]["failing_since"] = safe_text(h->failing_since);
      entry["history"]["failing_runs"] = h->failing_runs;
    }
  }
  if (const auto& e = c.expectation)
    entry["expectation"] = {{"kind", safe_text(e->kind)},   {"outcome", safe_text(e->outcome)},
                            {"bug", safe_text(e->bug)},     {"reason", safe_text(e->reason)},
                            {"where", safe_text(e->where)}, {"status_before", e->status_before}};
}

nlohmann::json texts(const std::vector<std::string>& values) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& v : values) list.push_back(safe_text(v));
  return list;
}

}  // namespace

void write_summary_json(const RunReport& report, int exit_status,
                        const std::filesystem::path& file) {
  // `infrastructure`: the errors that were the machinery's (also counted in `error`).
  nlohmann::json totals = {{"scenarios", 0}, {"passed", 0},  {"flaky", 0},         {"failed", 0},
                           {"error", 0},     {"skipped", 0}, {"infrastructure", 0}};
  nlohmann::json imported_totals = {
      {"tests", 0}, {"passed", 0}, {"failed", 0}, {"error", 0}, {"skipped", 0}};
  nlohmann::json suites = nlohmann::json::array();
  for (const auto& suite : report.suites) {
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& c : suite.cases) {
      totals["scenarios"] = totals["scenarios"].get<int>() + 1;
      totals[to_string(c.status)] = totals[to_string(c.status)].get<int>() + 1;
      const bool infrastructure = c.type == "InfrastructureError";
      if (infrastructure) totals["infrastructure"] = totals["infrastructure"].get<int>() + 1;
      nlohmann::json entry = {{"name", safe_text(c.name)},
                              {"status", infrastructure ? "infrastructure" : to_string(c.status)},
                              {"seconds", c.seconds},
                              {"attempts", c.attempts},
                              {"file", safe_text(c.file.string())},
                              {"line", c.line},
                              {"message", safe_text(c.message)}};
      add_findings(entry, c);
      if (!c.imported.empty()) {
        // The project's own tests: counted apart from the scenarios, listed under theirs.
        nlohmann::json tests = nlohmann::json::array();
        nlohmann::json counts = {
            {"tests", 0}, {"passed", 0}, {"failed", 0}, {"error", 0}, {"skipped", 0}};
        for (const auto& i : c.imported) {
          counts["tests"] = counts["tests"].get<int>() + 1;
          counts[to_string(i.status)] = counts[to_string(i.status)].get<int>() + 1;
          nlohmann::json test = {{"name", safe_text(i.name)},
                                 {"status", to_string(i.status)},
                                 {"message", safe_text(i.message)}};
          add_findings(test, i);
          tests.push_back(std::move(test));
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
  nlohmann::json summary = {{"exit_status", exit_status},
                            {"hostname", safe_text(report.hostname)},
                            {"totals", totals},
                            {"imported_tests", imported_totals},
                            {"suites", suites}};
  summary["history"] = {{"gone", texts(property_values(report, "history.gone"))}};
  summary["expectations"] = {{"stale", texts(property_values(report, "expectations.stale"))}};
  const auto probable = property_values(report, "infrastructure.probable");
  summary["infrastructure"] = {
      {"probable", !probable.empty()},
      {"why", probable.empty() ? std::string() : safe_text(probable.front())}};
  // Every text went through safe_text; replacing what is not UTF-8 is the second line of defence.
  write_file_atomically(
      file, summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace hurdle
