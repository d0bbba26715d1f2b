// summary.json for a run: totals, and each scenario's status, time, attempts and message, for
// scripts and dashboards that do not read JUnit. Written atomically like the JUnit file.
#pragma once

#include <filesystem>

#include "report/run_report.hpp"

namespace hurdle {

void write_summary_json(const RunReport& report, int exit_status,
                        const std::filesystem::path& file);

}  // namespace hurdle
