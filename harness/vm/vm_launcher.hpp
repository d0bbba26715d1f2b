// Starting a detached VM: `hurdle vm start` and the MCP server's vm_start run the supervisor
// (`PROGRAM vm serve NAME --request FILE`: the LaunchRequest whole, as JSON in the instance
// folder; it leaves the caller's session at once) and wait for what
// it says on a pipe: the record once the guest has booted (or once QEMU runs, without
// waiting), or why it failed. A name in use is refused before anything starts; a stale
// folder of that name is cleaned up first.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "vm/instance_folder.hpp"
#include "vm/launch_request.hpp"

namespace hurdle {

struct LaunchResult {
  InstanceRecord record;
  std::chrono::milliseconds took{0};
};

// Throws ConfigError (a name in use, bad options, a profile that does not load) or Error
// (the machine would not start or boot; the message ends with the supervisor's log).
LaunchResult launch_vm(const LaunchRequest& request, const std::filesystem::path& program);

// `hurdle vm serve NAME --request FILE --ready-fd FD`: leaves the caller's session (a fork
// whose first process returns 0 at once, the supervisor in a session of its own with nothing
// of the caller's open but the ready descriptor), reads the LaunchRequest in `request` (its
// name must be `name`) and runs the supervisor to its end. Returns the exit status of the
// process it is in.
int serve_detached(const std::string& name, const std::filesystem::path& request, int ready_fd);

// The hurdle program this process runs (for the supervisor it starts).
std::filesystem::path this_program();

}  // namespace hurdle
