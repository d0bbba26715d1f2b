// Steps that restart or stop the machine: reboot (the guest's reboot command, or a hard reset),
// power_off (the guest powers itself off; QEMU ends, the disks stay) and power_on (QEMU again on
// the same disks). Without a timeout of their own they take the profile's: a boot is not a step.
#pragma once

#include <optional>
#include <string>

#include "suite/steps/step_family.hpp"

namespace hurdle {

// reboot: {} | {hard: true, timeout}. Machine::reboot.
struct Reboot {
  static constexpr std::array<std::string_view, 1> kKeywords{"reboot"};
  bool hard = false;

  static Reboot read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

// power_off: {} | COMMAND | {command, timeout}. Machine::power_off.
struct PowerOff {
  static constexpr std::array<std::string_view, 1> kKeywords{"power_off"};
  std::optional<std::string> command;  // the profile's power_off.command when unset

  static PowerOff read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

// power_on: {} | {timeout}. Machine::power_on.
struct PowerOn {
  static constexpr std::array<std::string_view, 1> kKeywords{"power_on"};

  static PowerOn read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

}  // namespace hurdle
