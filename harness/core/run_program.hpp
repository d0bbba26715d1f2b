// Runs a helper program (qemu-img, e2fsck) from an argv vector, never a shell string, and
// collects what it printed, so that a failure can say what the program said. For programs that
// finish on their own; QEMU itself is a QemuProcess.
#pragma once

#include <string>
#include <vector>

namespace hurdle {

struct ProgramResult {
  int exit_code = -1;
  std::string out;  // its standard output
  std::string err;  // its standard error

  [[nodiscard]] bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (looked up on PATH when it has no '/') with the rest as arguments and waits for
// it. Throws Error when the program cannot be found or started; a non-zero exit is a result.
ProgramResult run_program(const std::vector<std::string>& argv);

// The absolute path of `name` on PATH, or empty when it is not installed.
std::string find_program(const std::string& name);

}  // namespace hurdle
