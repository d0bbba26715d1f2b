// What a run's report is told once the run ended, beyond its cases: a run where most
// scenarios failed the same way flagged as probably the machinery's (infrastructure), the run
// recorded in its history (`--history`) with every test's verdict, and the expectations file
// (`--expectations`) applied. Printed for people as lines after the run's summary; the report
// (JUnit, summary.json) carries it all; the GitHub annotations of a run with a history are
// only its new failures.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "history/expectations.hpp"
#include "history/test_verdict.hpp"
#include "report/run_report.hpp"

namespace hurdle {

struct FindingsOptions {
  std::filesystem::path history;  // empty: none
  std::optional<Expectations> expectations;
  bool strict = false;  // known failures and XPASSes fail the run
  FlakyRule flaky;
  std::string source = "hurdle run";
};

struct RunFindings {
  std::optional<std::string> history_error;  // the history could not be used: why
  std::int64_t history_run = 0;
  std::vector<std::string> new_failures;  // test ids
};

// Why most scenarios failing the same way looks like the infrastructure's, when they did: at
// least 3 scenarios and more than half of all the run's failed with the same kind and the
// same message (its digits aside).
[[nodiscard]] std::optional<std::string> probable_infrastructure(const RunReport& report);

// Adds the findings to `report` and prints them to `out`. Never throws: a history that cannot
// be used is in RunFindings::history_error (and printed).
RunFindings add_findings(RunReport& report, const FindingsOptions& options, std::ostream& out);

}  // namespace hurdle
