// Test helper: starts a machine from a profile, prints "qemu-pid N", then waits until it is
// killed. The SIGKILL test kills this process and checks that QEMU does not survive it.
#include <cstdio>
#include <iostream>
#include <string>

#include "machine/machine.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: machine_holder PROFILE\n";
    return 2;
  }
  hurdle::MachineOptions options;
  options.accel = hurdle::Accelerator::kTcg;
  auto vm = hurdle::Machine::from_profile(argv[1], options);
  std::cout << "qemu-pid " << vm->process().pid() << std::endl;
  std::string line;
  std::getline(std::cin, line);  // blocks until killed (or stdin closes)
  return 0;
}
