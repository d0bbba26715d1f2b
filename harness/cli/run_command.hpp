// `hurdle run SUITES...`: every suite is validated first (exit 2, nothing started), then its
// scenarios are registered as GoogleTest tests (only those --filter, --exclude and --shard
// select) and run; one line per scenario, a JUnit file, summary.json, and the exit status
// (0 all passed, 1 some failed, 2 bad input, 3 the infrastructure failed or the run was
// interrupted). SIGINT and SIGTERM finish the report with the machines stopped.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/image_arguments.hpp"

namespace hurdle::cli {

struct RunArguments {
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
  ImageArguments images;
};

class RunCommand {
 public:
  explicit RunCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  // `program`: argv[0], for GoogleTest.
  int run(const char* program);

 private:
  CLI::App* command_ = nullptr;
  RunArguments args_;
};

}  // namespace hurdle::cli
