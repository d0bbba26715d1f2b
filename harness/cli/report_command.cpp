#include "cli/report_command.hpp"

#include <iostream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "report/html_report.hpp"
#include "report/junit_reader.hpp"
#include "report/junit_writer.hpp"
#include "report/markdown_summary.hpp"
#include "report/report_merge.hpp"

namespace hurdle::cli {

namespace {

std::vector<ReportInput> read_all(const std::vector<std::string>& files) {
  std::vector<ReportInput> inputs;
  for (const auto& f : files) inputs.push_back({f, read_junit(f)});
  return inputs;
}

}  // namespace

ReportCommand::ReportCommand(CLI::App& app) {
  command_ = app.add_subcommand("report", "Merge and summarise the JUnit reports of runs");
  command_->require_subcommand(1);
  merge_ = command_->add_subcommand(
      "merge",
      "Merge JUnit reports (the shards of a run) into one: suites joined, every test case once "
      "(one that two reports hold becomes an error naming both)");
  merge_->add_option("output", output_, "the merged JUnit XML file to write")->required();
  merge_->add_option("inputs", inputs_, "JUnit XML files to merge")->required();
  summary_ = command_->add_subcommand(
      "summary", "Print JUnit reports as Markdown (for $GITHUB_STEP_SUMMARY and the terminal)");
  summary_->add_option("inputs", inputs_, "JUnit XML files (merged first)")->required();
  html_ = command_->add_subcommand(
      "html",
      "Write JUnit reports (merged first) as one self-contained HTML page: totals, scenarios, "
      "each failure with its steps, imported tests, console tail and attachments");
  html_->add_option("inputs", inputs_, "JUnit XML files")->required();
  html_->add_option("-o,--output", output_, "the HTML file to write")->required();
}

int ReportCommand::run() {
  try {
    if (merge_->parsed()) return merge();
    if (summary_->parsed()) return summary();
    if (html_->parsed()) return html();
  } catch (const ConfigError& e) {
    std::cerr << "hurdle report: " << e.what() << "\n";
    return 2;
  }
  return 2;
}

int ReportCommand::merge() {
  const RunReport merged = merge_reports(read_all(inputs_));
  try {
    write_junit(merged, output_);
  } catch (const std::exception& e) {
    std::cerr << "hurdle report merge: cannot write " << output_ << ": " << e.what() << "\n";
    return 3;
  }
  std::size_t cases = 0;
  for (const auto& s : merged.suites) cases += s.cases.size();
  std::cout << "hurdle report merge: " << inputs_.size() << " report(s), " << merged.suites.size()
            << " suite(s), " << cases << " scenario(s) into " << output_ << "\n";
  return 0;
}

int ReportCommand::summary() {
  std::cout << markdown_summary(merge_reports(read_all(inputs_)));
  return 0;
}

int ReportCommand::html() {
  const RunReport merged = merge_reports(read_all(inputs_));
  try {
    write_file_atomically(output_, html_report(merged, output_));
  } catch (const std::exception& e) {
    std::cerr << "hurdle report html: cannot write " << output_ << ": " << e.what() << "\n";
    return 3;
  }
  std::cout << "hurdle report html: " << output_ << "\n";
  return 0;
}

}  // namespace hurdle::cli
