// What starting a VM asks for, whoever asks (`hurdle vm start`, the MCP server's vm_start),
// and the JSON that carries it whole to the supervisor (`hurdle vm serve NAME --request FILE`):
// every field, checked as input from outside, and turned into the supervisor's options in one
// place.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "vm/vm_supervisor.hpp"

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
  bool require_pinned = false;
  // A saved machine started instead of `profile` (SupervisorOptions::resume).
  std::filesystem::path resume;
  bool remove_resumed = false;
};

// Every field as JSON, its paths made absolute (the supervisor runs elsewhere).
[[nodiscard]] nlohmann::json launch_request_json(const LaunchRequest& request);
// Throws ConfigError naming the field that is not what it must be, or one it does not take.
[[nodiscard]] LaunchRequest launch_request_from_json(const nlohmann::json& json,
                                                     const std::string& source);
// The supervisor's options for `request`; `ready_fd`: where it says the VM is ready. Throws
// ConfigError for an accelerator that is not one.
[[nodiscard]] SupervisorOptions supervisor_options(const LaunchRequest& request, int ready_fd);

}  // namespace hurdle
