// What a Machine is at a moment, written down: every operation that needs a state checks for
// it and says, when the machine is in another, which one it is and what would help.
//   running       QEMU runs the guest.
//   boot-stalled  a boot marker did not come: QEMU runs, the guest may not answer (nothing
//                 asks it to power off; the machine is told to quit instead).
//   stopped       QEMU ended without being asked (a panic watcher, a crash, a kill).
//   powered-off   the guest powered the machine off (power_off()); its disks wait for
//                 power_on() or a restore.
//   templated     save_template() made it a template: its QEMU has quit and its disks are the
//                 template's; only clones of the template run on.
#pragma once

namespace hurdle {

enum class MachineState { kRunning, kBootStalled, kStopped, kPoweredOff, kTemplated };

[[nodiscard]] constexpr const char* to_string(MachineState s) {
  switch (s) {
    case MachineState::kRunning:
      return "running";
    case MachineState::kBootStalled:
      return "boot-stalled";
    case MachineState::kStopped:
      return "stopped";
    case MachineState::kPoweredOff:
      return "powered-off";
    case MachineState::kTemplated:
      break;
  }
  return "templated";
}

}  // namespace hurdle
