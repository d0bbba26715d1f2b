// A folder of this test process's own for the files a test writes and reads back, made on
// first use and removed when the process ends (CTest runs each test in a process of its own,
// in parallel), so that no run leaves files in /tmp.
#pragma once

#include <filesystem>

#include "core/private_folder.hpp"

namespace hurdle::test {

inline const std::filesystem::path& scratch_folder() {
  static const PrivateFolder folder("test-scratch", std::filesystem::temp_directory_path());
  return folder.path();
}

}  // namespace hurdle::test
