#include "cli/validate_command.hpp"

#include <iostream>

#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "suite/suite_loader.hpp"

namespace hurdle::cli {

ValidateCommand::ValidateCommand(CLI::App& app) {
  command_ = app.add_subcommand("validate",
                                "Check suite files (structure, steps, regexes, variables, "
                                "machine profile) without starting anything; exit 2 on any error");
  command_->add_option("files", files_, "suite files (YAML)")->required();
  images_.add_to(command_);
}

int ValidateCommand::run() {
  int status = 0;
  for (const auto& file : files_) {
    try {
      const Suite suite = load_suite(file);
      check_machine(suite, images_);
      std::size_t steps = suite.provision.size();
      for (const auto& s : suite.scenarios) steps += s.steps.size();
      std::cout << file << ": ok, suite " << suite.name << ", " << suite.scenarios.size()
                << " scenario(s), " << steps << " step(s), machine " << suite.machine.string()
                << "\n";
    } catch (const std::exception& e) {
      print_error(e.what());
      status = kExitBadInput;
    }
  }
  return status;
}

}  // namespace hurdle::cli
