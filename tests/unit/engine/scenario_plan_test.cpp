// The plan of a suite's run, as ninja's PlanTest checks its Plan: which end states are kept and
// for how long, what `-j N` runs as one group, for chains, filters, repeats and a rebuilt
// pristine state. No machine: milliseconds.
#include "engine/scenario_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hurdle {
namespace {

using ::testing::ElementsAre;
using After = std::vector<std::optional<std::size_t>>;

// 0 <- 1 <- 2 (a chain), 0 <- 3 (a second continuation of 0), 4 alone.
const After kChains = {std::nullopt, 0, 1, 0, std::nullopt};

TEST(ScenarioPlan, AnEndStateIsKeptOnlyWhenAPlannedScenarioContinuesIt) {
  const ScenarioPlan all(kChains, {0, 1, 2, 3, 4});
  EXPECT_TRUE(all.keeps_end_state(0));
  EXPECT_TRUE(all.keeps_end_state(1));
  EXPECT_FALSE(all.keeps_end_state(2));
  EXPECT_FALSE(all.keeps_end_state(4));
  // Filtered: 2 is not run, so nothing needs 1's end state.
  const ScenarioPlan filtered(kChains, {0, 1, 4});
  EXPECT_TRUE(filtered.keeps_end_state(0));
  EXPECT_FALSE(filtered.keeps_end_state(1));
  EXPECT_FALSE(filtered.planned(2));
  EXPECT_TRUE(filtered.planned(1));
}

TEST(ScenarioPlan, AKeptEndStateGoesAfterTheLastScenarioThatContinuesIt) {
  ScenarioPlan plan(kChains, {0, 1, 2, 3, 4});
  plan.kept(0);                               // 0 passed: 1 and 3 need it
  EXPECT_FALSE(plan.release_predecessor(1));  // 3 still needs 0's state
  plan.kept(1);
  EXPECT_TRUE(plan.release_predecessor(2));  // 1's state: nobody else
  EXPECT_TRUE(plan.release_predecessor(3));  // 0's state: 3 was the last
}

TEST(ScenarioPlan, ARepeatedScenarioKeepsItsEndStateForEveryContinuationAgain) {
  ScenarioPlan plan(kChains, {0, 3});
  plan.kept(0);
  EXPECT_TRUE(plan.release_predecessor(3));
  plan.kept(0);  // round two: 0 passed again
  EXPECT_TRUE(plan.release_predecessor(3));
}

TEST(ScenarioPlan, APredecessorThatNeverPassedHasNothingToWaitFor) {
  ScenarioPlan plan(kChains, {0, 1, 3});
  // 0 failed: nothing was kept; each continuation may drop what is there (nothing).
  EXPECT_TRUE(plan.release_predecessor(1));
  EXPECT_TRUE(plan.release_predecessor(3));
}

TEST(ScenarioPlan, APristineStateMadeAnewForgetsEveryKeptEndState) {
  ScenarioPlan plan(kChains, {0, 1, 2, 3});
  plan.kept(0);
  plan.forget_end_states();
  EXPECT_TRUE(plan.release_predecessor(1));
}

TEST(ScenarioPlan, GroupsAreChainsWholeInTheRunsOrder) {
  EXPECT_THAT(ScenarioPlan(kChains, {0, 1, 2, 3, 4}).groups(),
              ElementsAre(ElementsAre(0, 1, 2, 3), ElementsAre(4)));
  // Shuffled: 4 first, then the chain in its order.
  EXPECT_THAT(ScenarioPlan(kChains, {4, 0, 1, 2, 3}).groups(),
              ElementsAre(ElementsAre(4), ElementsAre(0, 1, 2, 3)));
  // 0 not planned: 1 (with 2) and 3 are groups of their own, each runs 0 first.
  EXPECT_THAT(ScenarioPlan(kChains, {1, 2, 3, 4}).groups(),
              ElementsAre(ElementsAre(1, 2), ElementsAre(3), ElementsAre(4)));
  // A scenario named twice is planned once.
  EXPECT_THAT(ScenarioPlan(kChains, {4, 4}).groups(), ElementsAre(ElementsAre(4)));
}

TEST(ScenarioPlan, AScenarioThatIsNotInTheSuiteIsRefused) {
  EXPECT_THROW(ScenarioPlan(kChains, {5}), std::out_of_range);
}

}  // namespace
}  // namespace hurdle
