// `hurdle history ...`: the results over time in a history file (--history, else
// $HURDLE_HISTORY): `add` records JUnit reports as one run and prints each test's verdict;
// `show TEST`, `failing`, `flaky`, `runs`, `digest --since RUN|DATE` read it. Parsing and
// printing only; the work is history/'s. Exit statuses: 0 done, 2 bad input (a report that is
// not JUnit, no history given), 3 the history cannot be used (not a history, damaged, locked).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hurdle::cli {

// --flaky-window and --flaky-flips (the flaky rule, history/test_verdict.hpp), as `hurdle run`
// and `hurdle history` take them.
void add_flaky_rule_options(CLI::App* command, int& window, int& flips);

class HistoryCommand {
 public:
  explicit HistoryCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  int run();

 private:
  int add();

  CLI::App* command_ = nullptr;
  CLI::App* add_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* failing_ = nullptr;
  CLI::App* flaky_ = nullptr;
  CLI::App* runs_ = nullptr;
  CLI::App* digest_ = nullptr;
  std::string history_;
  std::vector<std::string> inputs_;
  std::string test_;
  std::string since_;
  std::string expectations_;
  std::string junit_;
  int flaky_window_ = 10;
  int flaky_flips_ = 3;
};

}  // namespace hurdle::cli
