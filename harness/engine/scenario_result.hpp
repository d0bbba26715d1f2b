// What became of one scenario: its verdict, where and why it failed, its steps with how each
// command ended, its files, and how it got its machine. Made by the suite runner; what every
// report and observer reads.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/verdict.hpp"
#include "results/imported_test.hpp"
#include "suite/step_executor.hpp"

namespace hurdle {

struct StepRecord {
  std::string step;  // Step::describe()
  SourceLocation where;
  std::chrono::milliseconds elapsed{0};
  bool passed = false;
  std::string message;
  std::optional<CommandEnd> command;  // how its command ended, for a step that ran one
  bool ran_after_failure = false;     // an `always: true` step after the scenario failed
};

struct ScenarioResult {
  Verdict status = Verdict::kError;
  std::string message;     // the failed step and what was expected versus what came
  std::string error_kind;  // "StepFailed", "TimeoutError", "ConsoleError", ...
  SourceLocation where;    // the failed step, or the scenario
  int attempts = 0;
  std::chrono::milliseconds elapsed{0};  // the scenario's own time, without `boot`
  // Booting (and provisioning) the suite's machine first, when this scenario was the first
  // to need it; not part of `elapsed`.
  std::chrono::milliseconds boot{0};
  std::vector<StepRecord> steps;  // of the last attempt
  std::filesystem::path folder;   // reports/<run>/<suite>/<scenario>/
  std::vector<std::filesystem::path> attachments;
  std::vector<ImportedTest> imported;  // the project's own tests its results.import steps found
  // How the scenario got its machine: when the console and SSH were ready, counted from the
  // start of the reset (unset: no reset, or SSH did not come back), and how it was proven.
  std::optional<std::chrono::milliseconds> console_ready, ssh_ready;
  std::optional<std::chrono::steady_clock::time_point> reset_started;
  std::string reset_by;
  // What the run should know beside the result (a damaged template made anew, a predecessor
  // run first).
  std::vector<std::string> notes;
};

}  // namespace hurdle
