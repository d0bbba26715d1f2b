// MachineOptions for integration tests: TCG (the accelerator choice has its own tests), the
// repository's profiles, and a log folder per test under the build's test-logs/, emptied first.
#pragma once

#include <filesystem>
#include <string>

#include "machine/machine.hpp"
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

}  // namespace hurdle::test
