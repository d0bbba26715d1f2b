// Live progress of `hurdle run` on the terminal: one line per scenario with its status and
// time (and, for a failure, what failed), then a summary. Colour only when the stream is a
// terminal and NO_COLOR is not set (https://no-color.org).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "engine/run_observer.hpp"

namespace hurdle {

// Whether to colour output written to `fd`: a terminal, and NO_COLOR unset or empty.
bool colour_wanted(int fd);

// "PASS   linux-mini.kernel-is-linux  5.35 s" (with colour codes when `colour`).
std::string progress_line(const std::string& suite, const std::string& scenario,
                          const ScenarioResult& result, bool colour);

class ProgressPrinter : public RunObserver {
 public:
  // `steps`: each scenario's steps under its line, as well (--verbose).
  ProgressPrinter(std::ostream& out, bool colour, bool steps = false)
      : out_(out), colour_(colour), steps_(steps) {}
  void scenario_finished(const Suite& suite, const Scenario& scenario,
                         const ScenarioResult& r) override;
  // "6 scenario(s): 5 passed (1 flaky: passed only on a retry), 1 failed, 0 error(s) in 12.3 s",
  // then a "flaky: SUITE.SCENARIO (N attempts)" line for each flaky scenario.
  void summary();

 private:
  std::ostream& out_;
  bool colour_;
  bool steps_;
  int passed_ = 0, failed_ = 0, errors_ = 0, skipped_ = 0;
  std::vector<std::string> flaky_;  // "suite.scenario (2 attempts)"
  double seconds_ = 0;
};

}  // namespace hurdle
