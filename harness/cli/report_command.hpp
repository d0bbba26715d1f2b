// `hurdle report ...`: the reports of runs that are over (merge, summary, html). Parsing and
// printing only; the work is report/'s. Exit statuses: 0 done, 2 bad input (a report that is not
// JUnit XML: the file and line are named), 3 the merged report or the page could not be written.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hurdle::cli {

class ReportCommand {
 public:
  // Adds `report` and its subcommands to `app`.
  explicit ReportCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  // Runs the subcommand that was given; returns the exit status.
  int run();

 private:
  int merge();
  int summary();
  int html();

  CLI::App* command_ = nullptr;
  CLI::App* merge_ = nullptr;
  CLI::App* summary_ = nullptr;
  CLI::App* html_ = nullptr;
  std::string output_;
  std::vector<std::string> inputs_;
};

}  // namespace hurdle::cli
