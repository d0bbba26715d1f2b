// `hurdle mach-test`: GNU Mach's test-module protocol as one command, for a kernel developer
// with their own kernel build and test modules. Each module is booted alone as GNU Mach's own
// harness boots it (GRUB: `booting-start-of-test`, `multiboot KERNEL console=com0`, `module
// MODULE NAME '${host-port}' '${device-port}' '$(task-create)' '$(task-resume)'`; QEMU with
// -no-reboot), on a medium hurdle makes and caches, and judged by the console's lines:
//
//   pass   the success line (`gnumach-test-success-and-reboot`)
//   fail   a failure line (`gnumach-test-failure...`): its line is the message
//   fail   a kernel panic (`panic ...`): its line is the message, at once
//   fail   the machine ended (the kernel crashed or rebooted) without the success line
//   fail   no verdict within the budget (120 s): the module hangs
//
// Each module is one scenario and one JUnit case of the suite `mach-test`, with its machine's
// profile (machine.yaml), its console from GRUB on and the other logs in its folder, and the
// console's tail in the failure message; `-j N` runs N at once. A failed module's machine
// still running is saved with --keep-failed-state, and a `gdb` command (kernel and module
// symbols) is printed for each failed module.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "machine/image_resolver.hpp"

namespace hurdle {

inline constexpr const char* kMachTestSuite = "mach-test";

struct MachTestRequest {
  std::filesystem::path kernel;  // a multiboot kernel (GNU Mach), gzipped or not
  std::vector<std::string> kernel_args{"console=com0"};
  std::vector<std::filesystem::path> modules;  // one scenario each, in this order
  // The words after each module's name: GNU Mach's boot script, untouched.
  std::vector<std::string> module_args{"${host-port}", "${device-port}", "$(task-create)",
                                       "$(task-resume)"};
  std::string success = "gnumach-test-success-and-reboot";  // RE2, found in a line
  std::string failure = "gnumach-test-failure";             // RE2, found in a line
  std::string panic = "^panic[ :]";                         // RE2, a line of the kernel's
  std::chrono::milliseconds budget{std::chrono::seconds(120)};
  std::string memory = "2047M";  // as GNU Mach's own harness gives its machines
  int jobs = 1;
  bool keep_failed_state = false;
  std::string report_dir = "reports";
  std::string junit;  // empty: the run folder's junit.xml
  std::string accel;  // empty: auto
  bool verbose = false;
  ImageSettings images;  // the user cache (boot-media/) and its settings
};

// Runs every module; returns the exit status (0 all passed, 1 a module failed, 2 bad input, 3
// the machinery failed). The report is written whatever happens.
int run_mach_tests(const MachTestRequest& request);

// The profile one module boots on (written into its case folder as machine.yaml).
std::string mach_test_profile_yaml(const MachTestRequest& request,
                                   const std::filesystem::path& module, const std::string& name);

}  // namespace hurdle
