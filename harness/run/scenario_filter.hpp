// Which scenarios `hurdle run` runs: --filter/--exclude by SUITE.SCENARIO against glob patterns
// ('*', '?', '[...]') separated by ':', then --shard INDEX/COUNT over what they select. hurdle
// matches and shards itself instead of handing either to GoogleTest: --gtest_filter's syntax
// takes the first '-' as the start of the negative patterns (with hurdle's names,
// "linux-mini.kernel-is-linux" selected nothing), and a shard's scenarios must be known before
// it starts, so that a shard that dies leaves them in its report as not run.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "suite/suite.hpp"

namespace hurdle {

// Shard INDEX of COUNT: the selected scenarios at positions INDEX, INDEX + COUNT, ... of the
// run's order (suites in the order given, scenarios in file order), where a chained scenario
// and the one it continues (`after:`) count as one position: they always run in the same
// shard. A chained scenario whose predecessor is not selected is a position of its own (the
// runner reaches its start by running the predecessor first).
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
};

// "2/4" as a shard; throws Error naming what was expected ("INDEX/COUNT with 0 <= INDEX <
// COUNT").
[[nodiscard]] Shard parse_shard(const std::string& text);

// One scenario of a run: suites[suite].scenarios[scenario].
struct SelectedScenario {
  std::size_t suite = 0;
  std::size_t scenario = 0;
};

class ScenarioFilter {
 public:
  ScenarioFilter() = default;  // selects everything
  ScenarioFilter(const std::string& include, const std::string& exclude,
                 std::optional<Shard> shard = std::nullopt);

  // Whether SUITE.SCENARIO matches an include pattern (any, when there are none) and no
  // exclude pattern; the shard is not considered.
  [[nodiscard]] bool selects(const std::string& suite, const std::string& scenario) const;
  [[nodiscard]] bool selects_everything() const {
    return include_.empty() && exclude_.empty() && !shard_;
  }
  // What the run of `suites` runs, in order: the patterns' choice, then the shard's part of it.
  [[nodiscard]] std::vector<SelectedScenario> select(const std::vector<Suite>& suites) const;

 private:
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
  std::optional<Shard> shard_;
};

}  // namespace hurdle
