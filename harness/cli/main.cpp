// The hurdle program: its commands, one class each in cli/, and the exit statuses they share
// (cli/exit_status.hpp); the work is in the library.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "cli/cache_command.hpp"
#include "cli/exec_command.hpp"
#include "cli/history_command.hpp"
#include "cli/image_command.hpp"
#include "cli/mach_test_command.hpp"
#include "cli/mcp_command.hpp"
#include "cli/report_command.hpp"
#include "cli/resume_command.hpp"
#include "cli/run_command.hpp"
#include "cli/validate_command.hpp"
#include "cli/vm_command.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "core/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hurdle: boot guest operating systems (Debian GNU/Hurd first) in QEMU and test them",
               "hurdle"};
  app.set_version_flag("--version", std::string("hurdle ") + hurdle::kVersion);
  app.footer("Documentation: README.md and docs/ in the hurdle source tree.");
  app.require_subcommand(0, 1);

  hurdle::cli::ValidateCommand validate_cmd(app);
  hurdle::cli::RunCommand run_cmd(app);
  hurdle::cli::ExecCommand exec_cmd(app);
  hurdle::cli::MachTestCommand mach_test_cmd(app);
  hurdle::cli::ImageCommand image_cmd(app);
  hurdle::cli::ReportCommand report_cmd(app);
  hurdle::cli::HistoryCommand history_cmd(app);
  hurdle::cli::ResumeCommand resume_cmd(app);
  hurdle::cli::CacheCommand cache_cmd(app);
  hurdle::cli::VmCommand vm_cmd(app);
  hurdle::cli::McpCommand mcp_cmd(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // hurdle exec keeps 1-124 for the command's own statuses.
    const bool exec = argc > 1 && std::string(argv[1]) == "exec";
    return code == 0 ? 0 : exec ? hurdle::kExitExecFailed : hurdle::kExitBadInput;
  }
  // No command ends with an uncaught exception: what escapes is hurdle's own failure (exit 3),
  // or bad input (exit 2) when it is a configuration error.
  try {
    if (validate_cmd.parsed()) return validate_cmd.run();
    if (image_cmd.parsed()) return image_cmd.run();
    if (report_cmd.parsed()) return report_cmd.run();
    if (history_cmd.parsed()) return history_cmd.run();
    if (resume_cmd.parsed()) return resume_cmd.run();
    if (cache_cmd.parsed()) return cache_cmd.run();
    if (vm_cmd.parsed()) return vm_cmd.run();
    if (mcp_cmd.parsed()) return mcp_cmd.run();
    if (run_cmd.parsed()) return run_cmd.run();
    if (exec_cmd.parsed()) return exec_cmd.run();
    if (mach_test_cmd.parsed()) return mach_test_cmd.run();
  } catch (const hurdle::ConfigError& e) {
    hurdle::print_error(std::string("hurdle: ") + e.what());
    return hurdle::kExitBadInput;
  } catch (const std::exception& e) {
    hurdle::print_error(std::string("hurdle: ") + e.what());
    return hurdle::kExitInfrastructure;
  }
  std::cout << app.help();
  return 0;
}
