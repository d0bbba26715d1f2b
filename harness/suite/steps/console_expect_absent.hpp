// console.expect_absent: PATTERN | {patterns: [..], within: DURATION}: fails when one of the
// patterns is in the console output not consumed yet, or appears within the window (1 s unless
// `within` says otherwise). For "no panic, no fsck complaint during this scenario": put it after
// the steps that could provoke one. It consumes nothing when it passes.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "suite/steps/step_family.hpp"

namespace hurdle {

struct ConsoleExpectAbsent {
  static constexpr std::array<std::string_view, 1> kKeywords{"console.expect_absent"};
  std::vector<std::string> patterns;
  std::chrono::milliseconds within{std::chrono::seconds(1)};

  static ConsoleExpectAbsent read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

}  // namespace hurdle
