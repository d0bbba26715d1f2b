// What a suite's run needs of its scenarios' end states (ninja's Plan): which scenarios this
// process runs and in what order, the groups that `-j N` runs whole on one lane (a scenario
// and those chained after it with `after:`), whose end state is kept once it passes (a planned
// scenario continues it), and when a kept end state may go (the last planned scenario that
// continues it has run). Pure bookkeeping: the runner asks, and keeps or drops the states.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "suite/suite.hpp"

namespace hurdle {

class ScenarioPlan {
 public:
  // `after[i]`: the scenario that scenario i continues, if any. `order`: the scenarios this
  // process runs, in the run's order (a scenario named twice counts once).
  ScenarioPlan(std::vector<std::optional<std::size_t>> after,
               const std::vector<std::size_t>& order);
  // Every scenario of `suite`, or those of `order`.
  explicit ScenarioPlan(const Suite& suite);
  ScenarioPlan(const Suite& suite, const std::vector<std::size_t>& order);

  [[nodiscard]] bool planned(std::size_t i) const { return planned_.at(i); }
  [[nodiscard]] std::optional<std::size_t> predecessor(std::size_t i) const { return after_.at(i); }
  // Whether scenario i's end state is to be kept once it passes.
  [[nodiscard]] bool keeps_end_state(std::size_t i) const { return dependents_.at(i) > 0; }
  // Scenario i passed and its end state was kept: every planned scenario that continues it
  // will need it (again, on --repeat).
  void kept(std::size_t i) { waiting_.at(i) = dependents_.at(i); }
  // Chained scenario i ran for good (whatever its verdict): whether its predecessor's end state
  // may go now (no planned scenario still needs it).
  [[nodiscard]] bool release_predecessor(std::size_t i);
  // The pristine state was made anew: no end state is kept any more.
  void forget_end_states();
  // Each planned scenario with those chained after it, in the run's order; for `-j N`.
  [[nodiscard]] std::vector<std::vector<std::size_t>> groups() const;

 private:
  std::vector<std::optional<std::size_t>> after_;
  std::vector<std::size_t> order_;       // planned, each once, in the run's order
  std::vector<bool> planned_;            // per scenario
  std::vector<std::size_t> dependents_;  // per scenario: planned scenarios that continue it
  std::vector<std::size_t> waiting_;     // per scenario: of those, still to run since it passed
};

}  // namespace hurdle
