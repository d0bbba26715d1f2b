#include "run/run_order.hpp"

#include <random>
#include <utility>

#include "engine/scenario_plan.hpp"

namespace hurdle {

std::vector<SelectedScenario> shuffled(const std::vector<SelectedScenario>& selected,
                                       const std::vector<Suite>& suites, std::uint32_t seed) {
  // Each suite's groups as its plan makes them (engine/scenario_plan), suite by suite.
  std::vector<std::vector<SelectedScenario>> groups;
  for (std::size_t s = 0; s < suites.size(); ++s) {
    std::vector<std::size_t> order;
    for (const auto& one : selected)
      if (one.suite == s) order.push_back(one.scenario);
    if (order.empty()) continue;
    for (const auto& group : ScenarioPlan(suites[s], order).groups()) {
      groups.emplace_back();
      for (const std::size_t i : group) groups.back().push_back({s, i});
    }
  }
  // Fisher-Yates with mt19937's own numbers: std::shuffle's use of them is the library's.
  std::mt19937 random(seed);
  for (std::size_t i = groups.size(); i > 1; --i) std::swap(groups[i - 1], groups[random() % i]);
  std::vector<SelectedScenario> order;
  for (auto& group : groups) order.insert(order.end(), group.begin(), group.end());
  return order;
}

}  // namespace hurdle
