#include "cli/mach_test_command.hpp"

#include <sstream>

#include "config/yaml_reader.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/print_error.hpp"

namespace hurdle::cli {

MachTestCommand::MachTestCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "mach-test",
      "Run GNU Mach test modules as GNU Mach's own harness does: each module booted alone with "
      "the kernel through GRUB, its verdict from the console (gnumach-test-success-and-reboot, "
      "gnumach-test-failure, a panic, the machine ending, the time budget), one JUnit case each");
  command_->add_option("--kernel", kernel_, "the multiboot kernel (your GNU Mach build)")
      ->required();
  command_->add_option("--kernel-args", kernel_args_, "the kernel's command line")
      ->capture_default_str();
  command_->add_option("--timeout", timeout_, "each module's budget (90s, 2m)")
      ->capture_default_str();
  command_
      ->add_option("--success", request_.success, "the success line (RE2, found in a console line)")
      ->capture_default_str();
  command_
      ->add_option("--failure", request_.failure,
                   "a failure line (RE2, found in a console line; the line is the message)")
      ->capture_default_str();
  command_->add_option("--panic", request_.panic, "a kernel panic's line (RE2)")
      ->capture_default_str();
  command_->add_option("--memory", request_.memory, "each machine's memory")->capture_default_str();
  command_->add_option("-j,--jobs", request_.jobs, "modules at once")->capture_default_str();
  command_->add_option("--report-dir", request_.report_dir, "where run folders go")
      ->capture_default_str();
  command_->add_option("--junit", request_.junit, "also write the JUnit XML report here");
  command_->add_option("--accel", request_.accel, "auto, kvm or tcg");
  command_->add_flag("--keep-failed-state", request_.keep_failed_state,
                     "save a failed module's machine as it was (`hurdle vm start --from`)");
  command_->add_flag("-v,--verbose", request_.verbose, "more about each module");
  command_->add_option("modules", modules_, "the test modules (static ELF programs)")->required();
  images_.add_to(command_);
}

int MachTestCommand::run() {
  MachTestRequest request = request_;
  try {
    request.kernel = kernel_;
    std::istringstream words(kernel_args_);
    request.kernel_args.clear();
    for (std::string w; words >> w;) request.kernel_args.push_back(w);
    request.modules.assign(modules_.begin(), modules_.end());
    request.budget = as_duration(YAML::Node(timeout_), "--timeout");
  } catch (const std::exception& e) {
    print_error(std::string("hurdle mach-test: ") + e.what());
    return kExitBadInput;
  }
  request.images = images_.settings();
  return run_mach_tests(request);
}

}  // namespace hurdle::cli
