// How a run of suites goes, whoever asks for it (`hurdle run`, the MCP server's run_suite):
// every suite validated first (nothing starts on bad input), the scenarios that --filter,
// --exclude and the shard select (hurdle shards itself, taking GoogleTest's shard variables
// when no shard is given), registered as GoogleTest tests and run with one line each, the
// JUnit file and summary.json written whatever happens, SIGINT and SIGTERM turned into a
// finished report with the machines stopped, and the exit status. GoogleTest's registry
// belongs to the process: one run per process, so another front end runs `hurdle run`
// with command_line() and reads the summary.json it leaves.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "machine/image_resolver.hpp"
#include "suite/suite.hpp"

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
  bool verbose = false;  // GoogleTest's own output as well
  bool no_boot_cache = false;
  int jobs = 1;                          // scenarios at once, each in a clone of its own
  std::string reset;                     // overrides every suite's reset: mode
  std::vector<std::string> gtest_flags;  // anything else, passed to GoogleTest as it is
  ImageSettings images;
  std::string image_lock;  // what images.lock came from, for command_line()
  bool allow_unpinned = false;
  std::string events;  // --events FD|FILE: the run as JSON lines (run/run_events.hpp)
  // The run's folder under report_dir; empty: run-TIME-PID.
  std::string run_name;
  // Standard output for the lines of `live: true` commands alone; what is printed for people
  // goes to standard error (hurdle exec).
  bool people_to_stderr = false;
  // RunOptions::keep_last_state (hurdle exec --leave-running).
  std::filesystem::path keep_last_state;

  // `hurdle run` arguments (without the program) that make the same run.
  [[nodiscard]] std::vector<std::string> command_line() const;
};

// Runs the request in this process (once: see above); `program` is argv[0]. Returns the exit
// status.
int run_suites(const RunRequest& request, const char* program);

// The scenarios the request selects, "SUITE.SCENARIO" each, after loading and checking every
// suite and its machine as the run would (ConfigError naming file and line otherwise); empty
// when the filters match nothing.
std::vector<std::string> selected_scenarios(const RunRequest& request);

// Loads the suite's machine profile and checks its image as a run would, fetching nothing.
void check_suite_machine(const Suite& suite, const ImageSettings& images);

}  // namespace hurdle
