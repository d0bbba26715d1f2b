// `hurdle exec [OPTIONS] -- COMMAND [ARG...]`: a command in a booted (or boot-cached)
// machine, with the current folder synced in, its output live, chosen paths copied back, and
// the command's own exit status (run/exec_run). With --leave-running NAME the machine goes on
// afterwards as `hurdle vm` NAME (saved as the command left it, then resumed by a supervisor):
// `hurdle vm exec NAME` runs later commands in it.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/image_arguments.hpp"
#include "run/exec_suite.hpp"
#include "run/suite_run.hpp"

namespace hurdle::cli {

class ExecCommand {
 public:
  explicit ExecCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  int run();

 private:
  // --leave-running: the machine saved by the run goes on as `hurdle vm` NAME.
  int leave_running(const std::filesystem::path& saved, int status);

  CLI::App* command_ = nullptr;
  ExecRequest exec_;
  std::string sync_ = ".";
  bool no_sync_ = false;
  bool print_suite_ = false;
  std::string leave_running_;
  RunRequest run_;
  ImageArguments images_;
};

}  // namespace hurdle::cli
