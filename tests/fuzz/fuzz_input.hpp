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

// This process's scratch folder (on /dev/shm when there is one), removed when it exits: a
// folder left on tmpfs holds memory until the host reboots.
struct ScratchFolder {
  std::filesystem::path path;
  ScratchFolder()
      : path((std::filesystem::is_directory("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                        : std::filesystem::temp_directory_path()) /
             ("hurdle-fuzz-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~ScratchFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
};

// `bytes` written to NAME in this process's scratch folder.
inline std::filesystem::path as_file(std::string_view bytes, const std::string& name) {
  static const ScratchFolder scratch;
  const std::filesystem::path file = scratch.path / name;
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return file;
}

}  // namespace hurdle::fuzz
