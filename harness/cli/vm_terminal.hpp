// The `hurdle vm` subcommands that stay with the terminal: the console attached (raw mode,
// Ctrl-] leaves), the monitor's prompt, a shell over ssh, logs followed, and health or stats
// watched at an interval. Each returns the command's exit status.
#pragma once

#include <string>

#include "vm/vm_client.hpp"

namespace hurdle::cli {

int attach_console(const VmClient& vm);
int run_monitor(const VmClient& vm);
// Replaces this process with ssh to the guest (the key the guest trusts, a known_hosts file
// of the instance's own); returns only when ssh cannot be run.
int exec_interactive_ssh(const VmClient& vm);
// `log`: console, machine, qemu, qmp, supervisor or health.
int print_log(const std::string& name, const std::string& log, bool follow);
// One check (interval 0), or one every `interval` seconds until the VM is gone.
int watch_health(const std::string& name, double interval, bool json);
int watch_stats(const std::string& name, double interval, bool json);

}  // namespace hurdle::cli
