// Starting a detached VM: `hurdle vm start` and the MCP server's vm_start run the supervisor
// (`PROGRAM vm serve NAME ...`, which leaves the caller's session at once) and wait for what
// it says on a pipe: the record once the guest has booted (or once QEMU runs, without
// waiting), or why it failed. A name in use is refused before anything starts; a stale
// folder of that name is cleaned up first.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "vm/instance_folder.hpp"

namespace hurdle {

struct LaunchRequest {
  std::string name;
  std::string profile;  // a name or a path (made absolute: the supervisor runs elsewhere)
  std::string image;
  std::string accel;  // auto, kvm, tcg or empty
  bool debug = false;
  bool gdb = false;
  bool vnc = false;
  bool wait_for_boot = true;
  std::optional<bool> login;
  std::filesystem::path log_dir;
  std::filesystem::path image_lock;
  bool allow_unpinned = false;
  // A saved machine started instead of `profile` (SupervisorOptions::resume).
  std::filesystem::path resume;
  bool remove_resumed = false;
};

struct LaunchResult {
  InstanceRecord record;
  std::chrono::milliseconds took{0};
};

// Throws ConfigError (a name in use, bad options, a profile that does not load) or Error
// (the machine would not start or boot; the message ends with the supervisor's log).
LaunchResult launch_vm(const LaunchRequest& request, const std::filesystem::path& program);

// The hurdle program this process runs (for the supervisor it starts).
std::filesystem::path this_program();

}  // namespace hurdle
