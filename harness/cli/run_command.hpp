// `hurdle run SUITES...`: its options, parsed into a RunRequest that run/suite_run runs
// (validation first, filters and shards, GoogleTest, the reports, the exit status).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/image_arguments.hpp"
#include "run/suite_run.hpp"

namespace hurdle::cli {

class RunCommand {
 public:
  explicit RunCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  // `program`: argv[0], for GoogleTest.
  int run(const char* program);

 private:
  CLI::App* command_ = nullptr;
  RunRequest args_;  // all but the image options, which ImageArguments parses
  ImageArguments images_;
};

}  // namespace hurdle::cli
