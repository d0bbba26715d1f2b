// What a report says of the machine a suite ran on, as data: taken from a running machine once
// (Machine::facts), kept by the suite runner, read by the reports. What is reported then does
// not depend on a machine still being there: with several lanes their machines come and go on
// other threads, and after a failure the machine may be gone.
#pragma once

#include <filesystem>
#include <string>

#include "qemu/accelerator.hpp"
#include "qemu/machine_profile.hpp"

namespace hurdle {

struct MachineFacts {
  std::string qemu_version;  // as QEMU's QMP greeting says (empty: not known)
  AcceleratorChoice accelerator;
  MachineProfile profile;           // its disks, and the prepared image they came from
  std::filesystem::path cache_dir;  // where image digests are remembered
};

}  // namespace hurdle
