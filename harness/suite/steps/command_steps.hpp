// Steps that run a command and check what it did: over SSH (ssh.succeed, ssh.fail; ssh.run is
// ssh.succeed's older name) or on the console's shell (console.run), and retried until it
// succeeds (wait_until_succeeds; wait_until is its older name).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "suite/steps/step_family.hpp"

namespace hurdle {

// What a command's output must be, and the exit status it must return.
struct CommandChecks {
  // The status it must exit with; unset: any status but 0 (ssh.fail).
  std::optional<int> exit_status = 0;
  std::optional<std::string> stdout_equals, stdout_matches, stderr_equals, stderr_matches;
};

// ssh.succeed: COMMAND | {command, exit, stdout, stdout_matches, stderr, stderr_matches,
// timeout}; ssh.fail: the same, where the command must exit with a status other than 0 (or
// `exit:`, not 0). Machine::succeed / Machine::fail (Machine::run with the checks).
// `live: true`: its output is also printed as it comes, line by line (hurdle exec's command).
// Over the profile's command channel when it answers, as the same user, else SSH (live output
// goes over SSH); `over: ssh` or `over: channel` insists on one.
struct SshCommand {
  static constexpr std::array<std::string_view, 3> kKeywords{"ssh.succeed", "ssh.fail", "ssh.run"};
  std::string command;
  CommandChecks checks;
  bool live = false;
  std::string over;  // "", "ssh" or "channel"

  static SshCommand read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

// console.run: COMMAND | {command, exit, stdout, stdout_matches, timeout}: the console has one
// stream, so its output is the command's stdout. run_on_console (console/console_command).
struct ConsoleRun {
  static constexpr std::array<std::string_view, 1> kKeywords{"console.run"};
  std::string command;
  CommandChecks checks;

  static ConsoleRun read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

// wait_until_succeeds: COMMAND | {command, interval, timeout}. Machine::wait_until_succeeds.
struct WaitUntilSucceeds {
  static constexpr std::array<std::string_view, 2> kKeywords{"wait_until_succeeds", "wait_until"};
  std::string command;
  // The pause between tries; unset, it grows from 0.2 s to 2 s.
  std::optional<std::chrono::milliseconds> interval;

  static WaitUntilSucceeds read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

}  // namespace hurdle
