#include "cli/history_command.hpp"

#include <cstdlib>
#include <iostream>

#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "history/history_database.hpp"
#include "history/history_digest.hpp"
#include "report/junit_reader.hpp"
#include "report/junit_writer.hpp"
#include "report/report_merge.hpp"
#include "run/run_findings.hpp"

namespace hurdle::cli {

void add_flaky_rule_options(CLI::App* command, int& window, int& flips) {
  command
      ->add_option("--flaky-window", window, "the last N runs the flaky rule looks at (default 10)")
      ->check(CLI::Range(2, 1000));
  command
      ->add_option("--flaky-flips", flips,
                   "changes between pass and failure in the window that make a test flaky "
                   "(default 3)")
      ->check(CLI::Range(1, 1000));
}

HistoryCommand::HistoryCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "history",
      "Results over time: record runs in a history file and ask it what broke, since when, "
      "and what is flaky");
  command_->require_subcommand(1);
  command_->add_option("--history", history_,
                       "the history file (SQLite; default: $HURDLE_HISTORY)");
  add_flaky_rule_options(command_, flaky_window_, flaky_flips_);
  add_ = command_->add_subcommand(
      "add",
      "Record JUnit reports (a merged sharded report, or another tool's) as one run, and print "
      "each test's verdict against the runs before it");
  add_->add_option("inputs", inputs_, "JUnit XML files (merged first)")->required();
  add_->add_option("--junit", junit_,
                   "write the report, with each test's verdict, as JUnit here (the input "
                   "itself may be given: `hurdle report summary` and `html` then show them)");
  add_->add_option("--expectations", expectations_,
                   "apply this expectations file to the report first (stale lines are said)");
  show_ = command_->add_subcommand("show", "A test's outcomes, run by run");
  show_->add_option("test", test_, "SUITE.NAME, or a glob of them")->required();
  failing_ =
      command_->add_subcommand("failing", "The tests failing in their newest run, with since when");
  flaky_ = command_->add_subcommand("flaky",
                                    "The tests the flaky rule finds, with their rate and when a "
                                    "failure was last seen");
  runs_ = command_->add_subcommand("runs", "Every recorded run, a line each");
  digest_ = command_->add_subcommand(
      "digest",
      "What changed since a run, as plain text for a mail or a chat: new failures, fixed, new "
      "flakes, gone");
  digest_
      ->add_option("--since", since_,
                   "a run's number, a date (2026-12-01), or `previous`: the run before the "
                   "newest")
      ->required();
}

int HistoryCommand::add() {
  std::vector<ReportInput> inputs;
  for (const auto& f : inputs_) inputs.push_back({f, read_junit(f)});
  RunReport report = merge_reports(inputs);
  FindingsOptions options;
  options.history = history_;
  options.flaky = {flaky_window_, flaky_flips_};
  options.source = "hurdle history add";
  if (!expectations_.empty()) options.expectations = load_expectations(expectations_);
  const RunFindings findings = add_findings(report, options, std::cout);
  if (!junit_.empty()) {
    try {
      write_junit(report, junit_);
    } catch (const std::exception& e) {
      print_error("hurdle history add: cannot write " + junit_ + ": " + e.what());
      return kExitInfrastructure;
    }
  }
  return findings.history_error ? kExitInfrastructure : kExitPassed;
}

int HistoryCommand::run() {
  if (history_.empty()) {
    if (const char* env = std::getenv("HURDLE_HISTORY"); env != nullptr) history_ = env;
  }
  if (history_.empty()) {
    print_error("hurdle history: expected --history FILE (or HURDLE_HISTORY)");
    return kExitBadInput;
  }
  const FlakyRule rule{flaky_window_, flaky_flips_};
  try {
    if (add_->parsed()) return add();
    HistoryDatabase history(history_, HistoryDatabase::Mode::kRead);
    if (show_->parsed()) std::cout << timeline_text(history, test_);
    if (failing_->parsed()) std::cout << failing_text(history);
    if (flaky_->parsed()) std::cout << flaky_text(history, rule);
    if (runs_->parsed()) std::cout << runs_text(history);
    if (digest_->parsed()) std::cout << history_digest(history, since_, rule);
    return kExitPassed;
  } catch (const ConfigError& e) {
    print_error(std::string("hurdle history: ") + e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    print_error(std::string("hurdle history: ") + e.what());
    return kExitInfrastructure;
  }
}

}  // namespace hurdle::cli
