// The order a run takes its scenarios in: as selected (suites in the order given, scenarios in
// file order), or shuffled with a seed (--shuffle, --seed) to find scenarios that depend on
// one another by accident. A chained scenario stays right after the one it continues: a
// group (a scenario and those chained after it) moves as one, in its own order.
#pragma once

#include <cstdint>
#include <vector>

#include "run/scenario_filter.hpp"
#include "suite/suite.hpp"

namespace hurdle {

// `selected`'s groups in an order only `seed` decides (the same on every host and compiler).
[[nodiscard]] std::vector<SelectedScenario> shuffled(const std::vector<SelectedScenario>& selected,
                                                     const std::vector<Suite>& suites,
                                                     std::uint32_t seed);

}  // namespace hurdle
