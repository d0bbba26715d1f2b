#include "cli/run_command.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli/history_command.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/json_text.hpp"
#include "core/print_error.hpp"
#include "run/gtest_flags.hpp"
#include "run/suite_run.hpp"
#include "suite/reset_mode.hpp"

namespace hurdle::cli {

namespace {

// The request a file (or standard input, `-`) holds as JSON, as another process wrote it.
RunRequest request_from(const std::string& where) {
  constexpr std::size_t kMaxRequest = 1 << 20;
  const std::string source = "--request " + where;
  return run_request_from_json(where == "-" ? read_json_text(std::cin, source, kMaxRequest)
                                            : read_json_file(where, kMaxRequest),
                               source);
}

}  // namespace

int RunCommand::run() {
  RunRequest request = args_;
  try {
    if (!request_.empty()) {
      // The request is the whole run: nothing else may say otherwise.
      for (const CLI::Option* o : command_->get_options())
        if (o->count() > 0 && o->get_name() != "--request")
          throw ConfigError({}, "--request holds the whole run: leave out " + o->get_name());
      if (!command_->remaining().empty())
        throw ConfigError(
            {}, "--request holds the whole run: leave out " + command_->remaining().front());
      return run_suites(request_from(request_));
    }
    if (request.files.empty()) throw ConfigError({}, "expected suite files (or --request FILE)");
    if (seed_) request.seed = static_cast<std::uint32_t>(*seed_);
    if (const char* history = std::getenv("HURDLE_HISTORY");
        request.history.empty() && history != nullptr)
      request.history = history;
    if (const char* expectations = std::getenv("HURDLE_EXPECTATIONS");
        request.expectations.empty() && expectations != nullptr)
      request.expectations = expectations;
    for (const auto& flag : command_->remaining()) apply_gtest_flag(request, flag);
  } catch (const std::exception& e) {
    print_error(std::string("hurdle run: ") + e.what());
    return kExitBadInput;
  }
  request.images = images_.settings();
  return run_suites(request);
}

RunCommand::RunCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "run",
      "Run suites: one boot per suite (none with the boot cache), each scenario in a fresh clone "
      "or snapshot of it, rollback on failure");
  command_->add_option("files", args_.files, "suite files (YAML)");
  command_->add_option("--request", request_,
                       "the whole run as JSON (a file, or - for standard input), as another "
                       "program writes it (docs/scenarios.md, \"A run as JSON\")");
  command_->add_option("--filter", args_.filter,
                       "run the scenarios whose SUITE.SCENARIO matches one of these globs "
                       "(':'-separated), e.g. 'linux-mini.*:smoke.boot-*'");
  command_->add_option("--exclude", args_.exclude,
                       "leave out the scenarios matching one of these globs, e.g. '*slow*'");
  command_->add_option("--shard", args_.shard, "run shard INDEX of COUNT, e.g. 0/4");
  command_->add_option("--repeat", args_.repeat, "run every scenario N times")
      ->check(CLI::Range(1, 100000));
  command_->add_flag("--shuffle", args_.shuffle,
                     "run the scenarios in an order the seed decides (a chained group stays "
                     "together, in order); the seed is printed");
  command_->add_option("--seed", seed_, "the seed of --shuffle, to run an order again")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{4294967295}));
  command_->add_flag("--list", args_.list,
                     "print the scenarios the files, filters and shard select, SUITE.SCENARIO "
                     "each; run nothing");
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
  command_->add_flag("--verbose", args_.verbose,
                     "also print each scenario's steps, with their times, under its line");
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
  command_->add_option("--history", args_.history,
                       "record the run in this history file (SQLite; made when missing) and say "
                       "of each test: new failure, still failing since, flaky, fixed, new, gone "
                       "(default: $HURDLE_HISTORY)");
  add_flaky_rule_options(command_, args_.flaky_window, args_.flaky_flips);
  command_->add_option("--expectations", args_.expectations,
                       "the known failures (hurdle-expectations.yaml): reported as known, not "
                       "failing the run; XPASS and stale lines reported (default: "
                       "$HURDLE_EXPECTATIONS)");
  command_->add_flag("--strict", args_.strict,
                     "known failures and unexpected passes fail the run as well");
  command_
      ->add_option("--infra-retries", args_.infra_retries,
                   "boot a suite's machine again this many times when it does not boot "
                   "(an infrastructure error, never a test's failure; default 2)")
      ->check(CLI::Range(0, 10));
  images_.add_to(command_);
  // GoogleTest's flags, as people typed them when scenarios were GoogleTest tests
  // (run/gtest_flags.hpp).
  command_->allow_extras();
}

}  // namespace hurdle::cli
