// A test suite as read from YAML (scenarios/*.yaml): the machine it runs on, how that machine
// is booted and provisioned once, defaults, and scenarios made of steps. Plain data; the
// loader (suite_loader) validates it all before any VM starts, the runner executes it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/variables.hpp"
#include "core/error.hpp"
#include "suite/step.hpp"

namespace hurdle {

enum class Isolation { kFresh, kChained };

struct Scenario {
  std::string name;
  std::vector<std::string> tags;
  std::string description;
  Isolation isolation = Isolation::kFresh;
  // A chained scenario's: the index of the scenario it continues (`after: NAME`, else the
  // one before it in the file), always an earlier one.
  std::optional<std::size_t> after;
  int retries = 0;
  std::vector<Step> steps;
  SourceLocation where;
};

struct Suite {
  std::filesystem::path file;
  std::string name;               // defaults to the file's stem
  std::filesystem::path machine;  // the profile file (found at load time)
  Variables variables;            // the suite's `variables:`, env already expanded
  // Values never to be written (variables with `secret: true`, every ${secret:NAME}): masked
  // in reports, logs, the terminal and error messages.
  std::vector<std::string> secrets;
  Variables machine_variables;  // for the profile's ${...} (e.g. image)
  std::string image;            // `image:`: the lock entry to boot instead of the profile's
  bool wait_for_boot = true;
  bool login = false;
  std::optional<std::string> login_user, login_password;
  std::vector<Step> provision;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // default per step
  int retries = 0;
  // How a scenario gets a pristine machine (engine/reset_strategy): a clone of a template
  // made once after provisioning (and kept in the boot cache across runs), a restore of the
  // `pristine` snapshot, or the machine started afresh (boot, login, provisioning) — slowest,
  // for comparison and for guests that can be neither. Unset: clone where the machine can be
  // cloned, else snapshot, with the reason in machine.log.
  enum class Reset { kClone, kSnapshot, kReboot };
  std::optional<Reset> reset;
  std::vector<Scenario> scenarios;
};

}  // namespace hurdle
