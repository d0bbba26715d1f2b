// `hurdle resume DIR`: starts a machine that `hurdle run --keep-failed-state` saved (a
// scenario's failed-state/ folder, here or downloaded from CI) at the moment it failed, prints
// how to reach it over SSH, and attaches the serial console to the terminal until the escape
// key (Ctrl-]) is pressed; then the machine stops. Exit statuses: 0 left with the escape key
// (or the guest powered off), 2 the folder is not a saved machine or its profile differs, 3
// the base image or QEMU failed.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace hurdle::cli {

class ResumeCommand {
 public:
  explicit ResumeCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  int run();

 private:
  CLI::App* command_ = nullptr;
  std::string folder_;
  std::string accel_;
  std::string log_dir_;
};

}  // namespace hurdle::cli
