#include "cli/exec_command.hpp"

#include <filesystem>

#include <unistd.h>

#include <iostream>

#include "core/cache_directory.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "core/wall_clock.hpp"
#include "machine/saved_machine.hpp"
#include "run/exec_run.hpp"
#include "vm/instance_folder.hpp"
#include "vm/vm_launcher.hpp"

namespace hurdle::cli {

namespace fs = std::filesystem;

ExecCommand::ExecCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "exec",
      "Run one command in the machine: booted (or taken from the boot cache) after the --prepare "
      "commands, the current folder synced in, its output live, --copy-back paths brought back; "
      "exits with the command's status (a signal: 128+N; hurdle's own failure: 125)");
  // A single-valued option given twice: the last one counts (a workflow's defaults, then the
  // step's own).
  command_->add_option("--machine", exec_.machine, "a machine profile name or file")
      ->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  command_
      ->add_option("--image", exec_.image, "the image lock entry to boot instead of the profile's")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // Each repeatable option takes one value per use, so that `--env NAME -- COMMAND` ends
  // at `--`.
  command_
      ->add_option("--prepare", exec_.prepare,
                   "a shell command run once before the machine is kept in the boot cache "
                   "(repeatable; in order)")
      ->allow_extra_args(false);
  command_->add_option("--sync", sync_,
                       "the folder copied into the guest at the same path, where the command "
                       "runs (default: the current folder; .git left out)");
  command_->add_flag("--no-sync", no_sync_, "copy nothing in; run in the SSH user's home folder");
  command_->add_flag("--sync-git", exec_.sync_git, "copy the synced folder's .git as well");
  command_
      ->add_option("--copy-back", exec_.copy_back,
                   "a file or folder (relative to the synced folder) copied back into it "
                   "after the command, whatever its status (repeatable)")
      ->allow_extra_args(false);
  command_
      ->add_option(
          "--results", exec_.results,
          "FORMAT:PATH: the project's own test results (automake, tap, junit, dejagnu or glibc) "
          "imported into the report, one JUnit case each (repeatable)")
      ->allow_extra_args(false);
  command_
      ->add_option("--env", exec_.env,
                   "an environment variable forwarded to the command, its value masked in "
                   "every report and log (repeatable)")
      ->allow_extra_args(false);
  command_->add_option("--timeout", exec_.timeout, "the command's time-out (90s, 30m, 2h)")
      ->capture_default_str();
  command_->add_option("--report-dir", run_.report_dir, "where run folders go (default reports)");
  command_->add_option("--junit", run_.junit, "also write the JUnit XML report here");
  command_->add_flag("--keep-failed-state", run_.keep_failed_state,
                     "save the machine as the command failed, for `hurdle resume`");
  command_->add_option("--accel", run_.accel, "auto, kvm or tcg");
  command_->add_option("--leave-running", leave_running_,
                       "NAME: the machine goes on after the command, as `hurdle vm` NAME "
                       "(`hurdle vm exec NAME -- ...` runs more in it; `hurdle vm quit NAME` "
                       "stops it)");
  command_->add_flag("--no-boot-cache", run_.no_boot_cache, "boot (and prepare) for this run only");
  command_->add_flag("--print-suite", print_suite_,
                     "print the suite this command line makes, and run nothing");
  command_->add_option("command", exec_.command, "the command and its arguments, after --")
      ->required();
  images_.add_to(command_);
}

int ExecCommand::run() {
  ExecRequest request = exec_;
  if (!no_sync_) request.sync = std::filesystem::absolute(sync_).lexically_normal();
  if (request.sync.has_filename() == false && request.sync != request.sync.root_path())
    request.sync = request.sync.parent_path();  // "/srv/project/" as "/srv/project"
  // The run's own reports are not the project's: a report folder inside the synced one
  // (`reports/` in a workflow's checkout) is left out of the sync.
  if (!request.sync.empty()) {
    const auto reports = std::filesystem::absolute(run_.report_dir).lexically_normal();
    const auto inside = reports.lexically_relative(request.sync);
    if (!inside.empty() && *inside.begin() != ".." && inside != ".")
      request.exclude.push_back("/" + inside.generic_string());
  }
  RunRequest run = run_;
  run.images = images_.settings();
  if (leave_running_.empty() || print_suite_) return run_exec(request, run, print_suite_);
  fs::path saved;
  try {
    // A name in use, or not a name, is refused before anything runs.
    const InstanceFolder folder = InstanceFolder::named(leave_running_);
    if (folder.live())
      throw ConfigError({}, "--leave-running: a VM named " + leave_running_ +
                                " is running already: `hurdle vm quit " + leave_running_ +
                                "` stops it");
    saved = user_cache_directory() / kOwnedStateFolder /
            (leave_running_ + "-" + wall_clock_text("%Y%m%dT%H%M%SZ") + "-" +
             std::to_string(::getpid()));
  } catch (const std::exception& e) {
    print_error(std::string("hurdle exec: ") + e.what());
    return kExitExecFailed;
  }
  run.keep_last_state = saved;
  return leave_running(saved, run_exec(request, run, print_suite_));
}

int ExecCommand::leave_running(const fs::path& saved, int status) {
  std::error_code ec;
  if (!fs::exists(saved / SavedMachine::kManifest, ec)) {
    print_error("hurdle exec: --leave-running " + leave_running_ +
                ": the machine was not saved to go on (the run's report says why)");
    fs::remove_all(saved, ec);
    return status == kExitPassed ? kExitExecFailed : status;
  }
  LaunchRequest r;
  r.name = leave_running_;
  r.resume = saved;
  r.remove_resumed = true;  // the saved machine is the VM's own now
  r.accel = run_.accel;
  try {
    const LaunchResult started = launch_vm(r, this_program());
    std::cerr << "hurdle exec: the machine goes on as " << leave_running_ << " (resumed in "
              << started.took.count() << " ms): `hurdle vm exec " << leave_running_
              << " -- COMMAND` runs more in it, `hurdle vm quit " << leave_running_
              << "` stops it\n";
  } catch (const std::exception& e) {
    print_error("hurdle exec: --leave-running " + leave_running_ + ": " + e.what());
    fs::remove_all(saved, ec);
    return status == kExitPassed ? kExitExecFailed : status;
  }
  return status;
}

}  // namespace hurdle::cli
