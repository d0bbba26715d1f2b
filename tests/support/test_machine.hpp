// MachineOptions for integration tests: TCG (the accelerator choice has its own tests), the
// repository's profiles, and a log folder per test under the build's test-logs/, emptied first.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "machine/machine.hpp"
#include "qemu/machine_profile.hpp"
#include "support/paths.hpp"

namespace hurdle::test {

inline MachineOptions machine_options(const std::string& test_name) {
  MachineOptions o;
  o.accel = Accelerator::kTcg;
  o.log_dir = std::filesystem::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / test_name;
  std::filesystem::remove_all(o.log_dir);
  o.profile_path = {source_dir() / "fixtures" / "machines"};
  return o;
}

// linux-mini as a guest without a command channel (as a Hurd image is): its commands go over
// SSH, and a restore is proven on the console or over SSH. For the tests of those paths.
inline std::unique_ptr<Machine> linux_mini_without_channel(MachineOptions options) {
  MachineProfile profile =
      load_machine_profile(source_dir() / "fixtures" / "machines" / "linux-mini.yaml", {});
  profile.command_channel.reset();
  return Machine::start(std::move(profile), std::move(options));
}

}  // namespace hurdle::test
