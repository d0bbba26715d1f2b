// Where tests find the offline test guests, the source tree and the hurdle program.
// CMake compiles the build's paths in; HURDLE_GUEST_DIR in the environment overrides the guests'.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace hurdle::test {

inline std::filesystem::path guest_dir(const std::string& guest) {
  const char* dir = std::getenv("HURDLE_GUEST_DIR");
  return std::filesystem::path(dir != nullptr ? dir : HURDLE_TEST_GUEST_DIR) / guest;
}

inline std::filesystem::path source_dir() { return HURDLE_TEST_SOURCE_DIR; }

inline std::filesystem::path hurdle_program() { return HURDLE_TEST_BIN; }

}  // namespace hurdle::test
