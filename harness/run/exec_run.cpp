#include "run/exec_run.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "core/wall_clock.hpp"
#include "engine/run_observer.hpp"
#include "run/copy_back.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

// How the command ended, from the exec scenario's result as the run tells it: the first step
// that ran a command (the sync before it runs none); unset when it never ran.
class CommandStatus : public RunObserver {
 public:
  void scenario_finished(const Suite& suite, const Scenario& scenario,
                         const ScenarioResult& result) override {
    if (suite.name != kExecSuite || scenario.name != kExecScenario) return;
    status_.reset();
    for (const auto& step : result.steps) {
      if (!step.command) continue;
      status_ = step.command->signal.empty() ? step.command->exit_status
                                             : exit_status_of_signal(step.command->signal);
      return;
    }
  }
  [[nodiscard]] std::optional<int> status() const { return status_; }

 private:
  std::optional<int> status_;
};

}  // namespace

int exit_status_of_signal(const std::string& name) {
  for (int n = 1; n < NSIG; ++n) {
    const char* abbrev = ::sigabbrev_np(n);
    if (abbrev != nullptr && name == abbrev) return 128 + n;
  }
  return 128;
}

int run_exec(const ExecRequest& request, RunRequest base, bool print_suite) {
  std::string suite;
  try {
    suite = exec_suite_yaml(request);
    if (print_suite) {
      std::cout << suite;
      return kExitPassed;
    }
    check_exec_environment(request);
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitExecFailed;
  }
  base.run_name = "exec-" + wall_clock_text("%Y%m%dT%H%M%SZ") + "-" + std::to_string(::getpid());
  base.people_to_stderr = true;
  const fs::path folder = fs::path(base.report_dir) / base.run_name;
  try {
    fs::create_directories(folder);
    write_file_atomically(folder / "suite.yaml", suite);
  } catch (const std::exception& e) {
    print_error(std::string("hurdle exec: cannot write the run's reports: ") + e.what());
    return kExitExecFailed;
  }
  base.files = {(folder / "suite.yaml").string()};
  CommandStatus command;
  const int run_status = run_suites(base, &command);
  const fs::path scenario = folder / kExecSuite / kExecScenario;
  try {
    put_copied_back(request.sync, request.copy_back, scenario / kCopyBackFolder, request.who);
  } catch (const std::exception& e) {
    print_error(std::string("hurdle exec: copying back: ") + e.what());
    return kExitExecFailed;
  }
  const std::optional<int> status = command.status();
  if (!status) return kExitExecFailed;  // the run said why
  if (*status != 0) return *status;
  return run_status == kExitPassed ? kExitPassed : kExitFailed;
}

}  // namespace hurdle
