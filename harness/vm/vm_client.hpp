// A client of one running detached VM: what every `hurdle vm` command but start and serve
// is, and what the MCP server's VM tools use. It finds the instance by name (an unknown one
// is a ConfigError that lists those running), sends requests to its supervisor and reads the
// answers, or attaches to its console.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ssh/ssh_client.hpp"
#include "vm/control_channel.hpp"
#include "vm/instance_folder.hpp"

namespace hurdle {

class VmClient {
 public:
  static VmClient open(const std::string& name);

  [[nodiscard]] const InstanceRecord& record() const { return record_; }
  [[nodiscard]] const InstanceFolder& folder() const { return folder_; }

  // The supervisor's answer to `command`; its error is thrown again (control_request).
  nlohmann::json request(const std::string& command,
                         const nlohmann::json& args = nlohmann::json::object(),
                         std::chrono::milliseconds timeout = std::chrono::minutes(30)) const;
  // How to reach the guest over SSH from this process (`hurdle vm exec`): 127.0.0.1 and the
  // forwarded port, the SSH user and the key the supervisor saved; the guest's host key pinned
  // in the instance folder on first use. ConfigError when the VM has no SSH or no key.
  [[nodiscard]] SshClientOptions ssh_options() const;
  // A connection that carries the console's bytes both ways from now on.
  [[nodiscard]] ControlChannel attach_console(bool fresh_prompt) const;
  // Kills the supervisor at once (SIGKILL; QEMU goes with it) and waits, up to `timeout`,
  // for both to be gone; the folder is then removed. False when they outlived the wait.
  bool kill(std::chrono::milliseconds timeout) const;
  // After quit or a power-down: waits, up to `timeout`, for the supervisor to have ended
  // (its folder gone with it); false when it is still there.
  [[nodiscard]] bool wait_until_stopped(std::chrono::milliseconds timeout) const;

 private:
  VmClient(InstanceFolder folder, InstanceRecord record)
      : folder_(std::move(folder)), record_(std::move(record)) {}
  InstanceFolder folder_;
  InstanceRecord record_;
};

// "a, b" (or "none") of the VMs running now, for messages.
std::string running_vm_names();

// True while `pid` exists (a zombie counts as gone).
bool process_exists(pid_t pid);

// Waits until every thread of `pid` has ended (a pidfd: no polling), or the deadline; true when
// it is gone. Not process_exists(): a leader thread shows as a zombie while the process's
// other threads still exit, holding its files (a supervisor's lock).
bool wait_until_gone(pid_t pid, std::chrono::steady_clock::time_point deadline);

}  // namespace hurdle
