// `hurdle mach-test --kernel KERNEL MODULE...`: GNU Mach's test-module protocol as one command
// (run/mach_test): each module booted alone with the kernel, judged by its console lines, one
// JUnit case each.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/image_arguments.hpp"
#include "run/mach_test.hpp"

namespace hurdle::cli {

class MachTestCommand {
 public:
  explicit MachTestCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  int run();

 private:
  CLI::App* command_ = nullptr;
  MachTestRequest request_;
  std::string kernel_;
  std::string kernel_args_ = "console=com0";
  std::vector<std::string> modules_;
  std::string timeout_ = "120s";
  ImageArguments images_;
};

}  // namespace hurdle::cli
