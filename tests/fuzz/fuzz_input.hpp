// What the fuzz targets share: a private scratch folder for inputs that must be files, and the
// one way a target reports a broken invariant (abort, which libFuzzer and CTest both catch).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace hurdle::fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

// `bytes` written to NAME in this process's scratch folder (on /dev/shm when there is one).
inline std::filesystem::path as_file(std::string_view bytes, const std::string& name) {
  const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                         ? "/dev/shm"
                                         : std::filesystem::temp_directory_path();
  const std::filesystem::path dir = base / ("hurdle-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / name;
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return file;
}

}  // namespace hurdle::fuzz
