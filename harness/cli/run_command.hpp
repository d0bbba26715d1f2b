// `hurdle run SUITES...`: its options, parsed into a RunRequest that run/suite_run runs
// (validation first, filters and shards, the run loop, the reports, the exit status).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/image_arguments.hpp"
#include "run/suite_run.hpp"

namespace hurdle::cli {

class RunCommand {
 public:
  explicit RunCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  int run();

 private:
  CLI::App* command_ = nullptr;
  RunRequest args_;  // all but the image options, which ImageArguments parses
  ImageArguments images_;
  std::optional<std::int64_t> seed_;  // --seed, a 32-bit number
  std::string request_;               // --request FILE|-
};

}  // namespace hurdle::cli
