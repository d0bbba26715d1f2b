// `hurdle vm exec` and the `hurdle-shell` of a workflow's later steps: an exec request run on
// a machine that runs already (a `hurdle vm`), over an SSH client to it. The synced folder goes
// in at the same path (one tar stream, .git left out unless asked), the command runs there
// with its output live (LiveLinesWriter: the guest's stdout and stderr on this process's, in
// a GitHub job folded in a group with workflow commands stopped), each --env value masked,
// and the --copy-back paths come back into the synced folder (run/copy_back). No suite, no
// report: what runs is the guest's state as the earlier steps left it, and each call adds to
// it. The same request checks as `hurdle exec` (exec_suite); --prepare and --results belong to
// `hurdle exec` and are refused.
#pragma once

#include "run/exec_suite.hpp"
#include "ssh/ssh_client.hpp"

namespace hurdle {

// The command's own exit status (a signal as 128+N); kExitExecFailed (125) when hurdle failed
// before the command's status was known (what failed on standard error, after request.who);
// 1 when the command passed and a copy-back did not.
int exec_over_ssh(SshClient& ssh, const ExecRequest& request);

}  // namespace hurdle
