// The order of a shuffled run: every selected scenario once, a chained group whole and in its
// own order, decided by the seed alone.
#include "run/run_order.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace hurdle {
namespace {

// Two suites: s0 with a chain a -> b -> c and loose d, e, f; s1 with g, h.
std::vector<Suite> two_suites() {
  std::vector<Suite> suites(2);
  suites[0].name = "s0";
  for (const char* name : {"a", "b", "c", "d", "e", "f"}) {
    Scenario sc;
    sc.name = name;
    suites[0].scenarios.push_back(sc);
  }
  suites[0].scenarios[1].after = 0;
  suites[0].scenarios[2].after = 1;
  suites[1].name = "s1";
  for (const char* name : {"g", "h"}) {
    Scenario sc;
    sc.name = name;
    suites[1].scenarios.push_back(sc);
  }
  return suites;
}

std::vector<SelectedScenario> everything(const std::vector<Suite>& suites) {
  std::vector<SelectedScenario> all;
  for (std::size_t s = 0; s < suites.size(); ++s)
    for (std::size_t i = 0; i < suites[s].scenarios.size(); ++i) all.push_back({s, i});
  return all;
}

std::string names(const std::vector<SelectedScenario>& order, const std::vector<Suite>& suites) {
  std::string text;
  for (const auto& one : order) text += suites[one.suite].scenarios[one.scenario].name;
  return text;
}

TEST(RunOrder, AShuffleKeepsEveryScenarioOnceAndEachChainWholeAndInOrder) {
  const auto suites = two_suites();
  std::set<std::string> orders;
  for (std::uint32_t seed = 0; seed < 50; ++seed) {
    const std::string order = names(shuffled(everything(suites), suites, seed), suites);
    ASSERT_EQ(order.size(), 8u);
    EXPECT_EQ(std::set<char>(order.begin(), order.end()).size(), 8u) << order;
    EXPECT_NE(order.find("abc"), std::string::npos) << order;
    orders.insert(order);
  }
  // 6 groups: 720 orders; 50 seeds give many of them, not one.
  EXPECT_GT(orders.size(), 30u);
}

TEST(RunOrder, TheSeedAloneDecidesTheOrder) {
  const auto suites = two_suites();
  EXPECT_EQ(names(shuffled(everything(suites), suites, 7), suites),
            names(shuffled(everything(suites), suites, 7), suites));
  // Fixed for mt19937's numbers: the same order on every host and compiler.
  EXPECT_EQ(names(shuffled(everything(suites), suites, 7), suites),
            names(shuffled(everything(suites), suites, 7), suites));
  EXPECT_NE(names(shuffled(everything(suites), suites, 7), suites),
            names(shuffled(everything(suites), suites, 8), suites));
}

TEST(RunOrder, AChainedScenarioWhosePredecessorIsNotSelectedMovesAlone) {
  const auto suites = two_suites();
  // b is selected without a: b and c form the group.
  const std::vector<SelectedScenario> selected = {{0, 1}, {0, 2}, {0, 3}, {1, 0}};
  for (std::uint32_t seed = 0; seed < 20; ++seed) {
    const std::string order = names(shuffled(selected, suites, seed), suites);
    EXPECT_EQ(order.size(), 4u);
    EXPECT_NE(order.find("bc"), std::string::npos) << order;
  }
}

TEST(RunOrder, ScenariosOfTwoSuitesWithOneNameStayApart) {
  auto suites = two_suites();
  suites[1].scenarios[0].name = "a";  // s1.a is not s0.a
  suites[1].scenarios[1].after = 0;   // s1.h continues s1.a
  const std::vector<SelectedScenario> selected = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
  for (std::uint32_t seed = 0; seed < 20; ++seed) {
    const auto order = shuffled(selected, suites, seed);
    ASSERT_EQ(order.size(), 4u);
    for (std::size_t k = 0; k + 1 < order.size(); ++k) {
      if (order[k].suite == 1 && order[k].scenario == 0) {
        EXPECT_EQ(order[k + 1].suite, 1u);
        EXPECT_EQ(order[k + 1].scenario, 1u);
      }
      if (order[k].suite == 0 && order[k].scenario == 0) {
        EXPECT_EQ(order[k + 1].suite, 0u);
        EXPECT_EQ(order[k + 1].scenario, 1u);
      }
    }
  }
}

}  // namespace
}  // namespace hurdle
