#include "run/run_order.hpp"

#include <map>
#include <random>
#include <utility>

namespace hurdle {

std::vector<SelectedScenario> shuffled(const std::vector<SelectedScenario>& selected,
                                       const std::vector<Suite>& suites, std::uint32_t seed) {
  // Each scenario joins the group of the selected scenario it continues, else starts one.
  std::vector<std::vector<SelectedScenario>> groups;
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> group_of;
  for (const auto& one : selected) {
    const auto& after = suites.at(one.suite).scenarios.at(one.scenario).after;
    const auto joined = after ? group_of.find({one.suite, *after}) : group_of.end();
    const std::size_t g = joined != group_of.end() ? joined->second : groups.size();
    if (g == groups.size()) groups.emplace_back();
    groups[g].push_back(one);
    group_of[{one.suite, one.scenario}] = g;
  }
  // Fisher-Yates with mt19937's own numbers: std::shuffle's use of them is the library's.
  std::mt19937 random(seed);
  for (std::size_t i = groups.size(); i > 1; --i) std::swap(groups[i - 1], groups[random() % i]);
  std::vector<SelectedScenario> order;
  for (auto& group : groups) order.insert(order.end(), group.begin(), group.end());
  return order;
}

}  // namespace hurdle
