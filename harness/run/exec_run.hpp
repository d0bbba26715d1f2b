// `hurdle exec`: its suite (exec_suite) written into the run's report folder and run by
// run_suites with the guest's output on this process's stdout and stderr and what is printed
// for people on stderr; then the --copy-back paths put in place in the synced folder, and the
// command's own exit status returned (a signal as 128+N), as the run's result tells it.
// kExitExecFailed (125) when hurdle failed before the command's status was known; 1 when the
// command passed and a copy-back or an imported test did not.
#pragma once

#include "run/exec_suite.hpp"
#include "run/suite_run.hpp"

namespace hurdle {

// `base`: the run's options (report folder, images, accelerator, --keep-failed-state...);
// its files are the generated suite. `print_suite`: print it and run nothing.
int run_exec(const ExecRequest& request, RunRequest base, bool print_suite);

// 128 + the signal's number for a signal name as SSH gives it ("KILL", "TERM"); 128 + 0 for a
// name this host does not know.
[[nodiscard]] int exit_status_of_signal(const std::string& name);

}  // namespace hurdle
