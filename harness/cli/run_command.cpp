#include "cli/run_command.hpp"

#include "run/suite_run.hpp"
#include "suite/reset_mode.hpp"

namespace hurdle::cli {

int RunCommand::run(const char* program) {
  RunRequest request = args_;
  request.gtest_flags = command_->remaining();  // --gtest_* flags go to GoogleTest
  request.images = images_.settings();
  request.image_lock = images_.lock;
  request.allow_unpinned = images_.allow_unpinned;
  return run_suites(request, program);
}

RunCommand::RunCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "run",
      "Run suites: one boot per suite (none with the boot cache), each scenario in a fresh clone "
      "or snapshot of it, rollback on failure");
  command_->add_option("files", args_.files, "suite files (YAML)")->required();
  command_->add_option("--filter", args_.filter,
                       "run the scenarios whose SUITE.SCENARIO matches one of these globs "
                       "(':'-separated), e.g. 'linux-mini.*:smoke.boot-*'");
  command_->add_option("--exclude", args_.exclude,
                       "leave out the scenarios matching one of these globs, e.g. '*slow*'");
  command_->add_option("--shard", args_.shard, "run shard INDEX of COUNT, e.g. 0/4");
  command_->add_option("--repeat", args_.repeat, "run every scenario N times");
  command_->add_option("--junit", args_.junit, "write a JUnit XML report here");
  command_->add_option("--report-dir", args_.report_dir, "where run folders go (default reports)");
  command_->add_flag("--fail-fast", args_.fail_fast, "stop at the first failed scenario");
  command_->add_flag("--keep-failed-state", args_.keep_failed_state,
                     "save a scenario's machine as it failed (SCENARIO/failed-state/ in the report "
                     "folder: RAM, disk changes, SSH key) for `hurdle resume`");
  command_->add_flag(
      "--keep-going", [&](std::int64_t) { args_.fail_fast = false; },
      "run every scenario whatever fails (the default)");
  command_->add_option("--accel", args_.accel,
                       "auto, kvm or tcg (overrides profiles and HURDLE_ACCEL)");
  command_
      ->add_option("--timeout-scale", args_.timeout_scale,
                   "multiply every step time-out (more than 0, at most 100)")
      ->check(CLI::Range(0.001, 100.0));
  command_->add_flag("--verbose", args_.verbose, "also print GoogleTest's own output");
  command_
      ->add_option("-j,--jobs", args_.jobs,
                   "run up to N scenarios at once, each in a clone of the suite's template (a "
                   "chained group stays in one clone, in order)")
      ->check(CLI::Range(1, 64));
  command_->add_flag("--no-boot-cache", args_.no_boot_cache,
                     "boot and make this run's own templates instead of using (and filling) the "
                     "boot cache");
  command_
      ->add_option("--reset", args_.reset,
                   "how scenarios get a pristine machine in every suite: clone, snapshot or "
                   "reboot (default: each suite's reset:, else clone where it can)")
      ->check(CLI::IsMember(reset_mode_names()));
  command_->add_option(
      "--events", args_.events,
      "also write the run as JSON lines (run_started, scenario_started, "
      "scenario_finished, run_finished) to this file, open file descriptor, or - (stdout; what is "
      "printed for people then goes to stderr)");
  images_.add_to(command_);
  command_->allow_extras();  // --gtest_* flags go to GoogleTest
}

}  // namespace hurdle::cli
