#include "engine/scenario_plan.hpp"

#include <map>
#include <stdexcept>

namespace hurdle {

namespace {

std::vector<std::optional<std::size_t>> predecessors(const Suite& suite) {
  std::vector<std::optional<std::size_t>> after;
  for (const auto& sc : suite.scenarios) after.push_back(sc.after);
  return after;
}

std::vector<std::size_t> every(std::size_t n) {
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  return all;
}

}  // namespace

ScenarioPlan::ScenarioPlan(std::vector<std::optional<std::size_t>> after,
                           const std::vector<std::size_t>& order)
    : after_(std::move(after)),
      planned_(after_.size(), false),
      dependents_(after_.size(), 0),
      waiting_(after_.size(), 0) {
  for (const std::size_t i : order) {
    if (i >= after_.size())
      throw std::out_of_range("ScenarioPlan: no scenario " + std::to_string(i));
    if (planned_[i]) continue;
    planned_[i] = true;
    order_.push_back(i);
    if (after_[i]) ++dependents_.at(*after_[i]);
  }
}

ScenarioPlan::ScenarioPlan(const Suite& suite)
    : ScenarioPlan(predecessors(suite), every(suite.scenarios.size())) {}

ScenarioPlan::ScenarioPlan(const Suite& suite, const std::vector<std::size_t>& order)
    : ScenarioPlan(predecessors(suite), order) {}

bool ScenarioPlan::release_predecessor(std::size_t i) {
  const std::size_t before = after_.at(i).value();
  if (waiting_[before] > 0) --waiting_[before];
  return waiting_[before] == 0;
}

void ScenarioPlan::forget_end_states() {
  for (auto& w : waiting_) w = 0;
}

std::vector<std::vector<std::size_t>> ScenarioPlan::groups() const {
  std::vector<std::vector<std::size_t>> groups;
  std::map<std::size_t, std::size_t> group_of;
  for (const std::size_t i : order_) {
    const auto joined = after_[i] ? group_of.find(*after_[i]) : group_of.end();
    const std::size_t g = joined != group_of.end() ? joined->second : groups.size();
    if (g == groups.size()) groups.emplace_back();
    groups[g].push_back(i);
    group_of[i] = g;
  }
  return groups;
}

}  // namespace hurdle
