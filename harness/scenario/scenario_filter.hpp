// Which scenarios `hurdle run --filter/--exclude` selects, by SUITE.SCENARIO against glob
// patterns ('*', '?', '[...]') separated by ':'. hurdle matches them itself instead of handing
// them to --gtest_filter, whose syntax takes the first '-' as the start of the negative
// patterns: with hurdle's names ("linux-mini.kernel-is-linux") that selected nothing.
#pragma once

#include <string>
#include <vector>

namespace hurdle {

class ScenarioFilter {
 public:
  ScenarioFilter() = default;  // selects everything
  ScenarioFilter(const std::string& include, const std::string& exclude);

  // Whether SUITE.SCENARIO matches an include pattern (any, when there are none) and no
  // exclude pattern.
  [[nodiscard]] bool selects(const std::string& suite, const std::string& scenario) const;
  [[nodiscard]] bool selects_everything() const { return include_.empty() && exclude_.empty(); }

 private:
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
};

}  // namespace hurdle
