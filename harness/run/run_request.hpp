// What a run of suites is asked to do, whoever asks (`hurdle run`'s options, `hurdle exec`, the
// MCP server's run_suite): the plain data run_suites() takes, and the JSON that carries it to
// another process whole (`hurdle run --request FILE`): every field, checked as input from
// outside. Not carried: where image fetching logs and what stops a download (the process's
// own).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "machine/image_resolver.hpp"

namespace hurdle {

struct RunRequest {
  std::vector<std::string> files;
  std::string filter;   // SUITE.SCENARIO globs, ':'-separated
  std::string exclude;  // the same, left out
  std::string shard;    // INDEX/COUNT
  int repeat = 1;
  std::string junit;
  std::string report_dir = "reports";
  bool fail_fast = false;
  bool keep_failed_state = false;
  std::string accel;
  double timeout_scale = 1.0;
  bool verbose = false;  // each scenario's steps under its line as well
  bool list = false;     // print the selected scenarios, SUITE.SCENARIO each; run nothing
  bool shuffle = false;  // groups in an order the seed decides (run/run_order.hpp)
  std::optional<std::uint32_t> seed;  // --shuffle's; unset: a new one, printed
  bool no_boot_cache = false;
  int jobs = 1;       // scenarios at once, each in a clone of its own
  std::string reset;  // overrides every suite's reset: mode
  ImageSettings images;
  std::string events;  // --events FD|FILE: the run as JSON lines (run/run_events.hpp)
  // The run's folder under report_dir; empty: run-TIME-PID.
  std::string run_name;
  // Standard output for the lines of `live: true` commands alone; what is printed for people
  // goes to standard error (hurdle exec).
  bool people_to_stderr = false;
  // RunOptions::keep_last_state (hurdle exec --leave-running).
  std::filesystem::path keep_last_state;
  // The history the run is recorded in and judged against (run/run_findings.hpp); empty: none.
  std::string history;
  int flaky_window = 10;  // FlakyRule
  int flaky_flips = 3;
  std::string expectations;  // the expectations file; empty: none
  bool strict = false;       // known failures and XPASSes fail the run
  // How many more times a suite's machine is booted when it did not boot (infrastructure).
  int infra_retries = 2;
};

// Every field of `request` as JSON.
[[nodiscard]] nlohmann::json run_request_json(const RunRequest& request);
// The request `json` holds; `source` names it in errors. Throws ConfigError naming the field
// that is not what it must be, or one no field of a request takes.
[[nodiscard]] RunRequest run_request_from_json(const nlohmann::json& json,
                                               const std::string& source);

}  // namespace hurdle
