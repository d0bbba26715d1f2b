// `hurdle validate FILES...`: loads every suite as `hurdle run` would (structure, steps,
// regexes, variables, the machine profile and its image, checked without fetching) and starts
// nothing; one line per valid file, exit 2 at any error.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/image_arguments.hpp"

namespace hurdle::cli {

class ValidateCommand {
 public:
  explicit ValidateCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  int run();

 private:
  CLI::App* command_ = nullptr;
  std::vector<std::string> files_;
  ImageArguments images_;
};

}  // namespace hurdle::cli
