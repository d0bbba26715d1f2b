// Runs the scenarios of one suite on one machine: boots it on first use (boot markers, login,
// provisioning), snapshots it as `pristine`, then for each scenario restores the snapshot it
// starts from (pristine, or where the previous passing scenario left off), runs the steps,
// retries a failed scenario from its starting snapshot, collects artifacts on failure and
// rolls back. A machine without snapshots (a live ISO) is started afresh instead, for every
// scenario but the first after a boot. If a rollback fails the machine is rebooted from scratch; if
// that fails too, the remaining scenarios are errors naming the cause. Used by the GoogleTest
// registration.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/secret_mask.hpp"
#include "core/unique_fd.hpp"
#include "machine/machine.hpp"
#include "results/imported_test.hpp"
#include "scenario/suite.hpp"

namespace hurdle {

struct RunOptions {
  std::filesystem::path report_dir = "reports/run";  // this run's folder
  std::optional<Accelerator> accel;
  double timeout_scale = 1.0;  // multiplies every step time-out (slow hosts, TCG)
  std::vector<std::filesystem::path> profile_path;
  ImageSettings images;  // how a profile's `image:` is found or fetched
  // A scenario that fails for the last time leaves the machine as it was at the failure in
  // its report folder (failed-state/, see SavedMachine), before the rollback: `hurdle resume`
  // starts it there, on this host or another.
  bool keep_failed_state = false;
};

// kSkipped: selected but never run (GoogleTest's --gtest_fail_fast stopped the run first).
enum class ScenarioStatus { kPassed, kFlaky, kFailed, kError, kSkipped };

struct StepRecord {
  std::string step;  // Step::describe()
  SourceLocation where;
  std::chrono::milliseconds elapsed{0};
  bool passed = false;
  std::string message;
};

struct ScenarioResult {
  ScenarioStatus status = ScenarioStatus::kError;
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
};

class SuiteRunner {
 public:
  SuiteRunner(Suite suite, RunOptions options);
  ~SuiteRunner();
  SuiteRunner(const SuiteRunner&) = delete;
  SuiteRunner& operator=(const SuiteRunner&) = delete;

  // Never throws: everything that goes wrong is in the result.
  ScenarioResult run_scenario(std::size_t index);

  // From any thread (the signal watcher): kills QEMU at once, so the scenario in progress
  // fails promptly, and makes every later scenario an error naming `why`.
  void interrupt(const std::string& why);

  [[nodiscard]] const Suite& suite() const { return suite_; }
  // Set once the machine could not be booted (or rebuilt): the cause, for exit status 3.
  [[nodiscard]] std::optional<std::string> infrastructure_error() const {
    if (!broken_) return std::nullopt;
    return secrets_.masked(*broken_);
  }
  [[nodiscard]] Machine* machine() { return machine_.get(); }

 private:
  void boot();
  [[nodiscard]] bool snapshots() const;  // reset by snapshot (else: start afresh)
  std::string start_tag(std::size_t index) const;
  ScenarioResult attempt(std::size_t index, const std::string& from_tag);
  void collect_artifacts(ScenarioResult& result);
  // --keep-failed-state: saves the failed machine into the scenario's failed-state/.
  void keep_failed_state(const Scenario& scenario, ScenarioResult& result);
  void roll_back(const std::string& tag);
  // After scenario `index` passed: saves its end state when a chained scenario comes later.
  void keep_end_state(std::size_t index);
  void mask(ScenarioResult& r) const;

  Suite suite_;
  RunOptions options_;
  std::unique_ptr<Machine> machine_;
  Variables provisioned_;  // suite variables plus provisioning's captures
  std::optional<std::string> broken_;
  std::optional<std::size_t> last_passed_;  // the scenario whose end state `chained` uses
  // The snapshot the machine is in, unchanged since it was saved or restored (no restore needed).
  std::optional<std::string> untouched_at_;
  bool used_ = false;         // a scenario ran on this boot (for machines without snapshots)
  std::mutex machine_mutex_;  // guards replacing machine_ against interrupt()
  std::atomic<bool> interrupted_{false};
  UniqueFd interrupt_event_;  // readable once interrupted: stops a download in progress
  SecretMask secrets_;        // the suite's secrets, masked in every result
  std::string interruption_;  // "interrupted by SIGINT", under machine_mutex_
};

}  // namespace hurdle
