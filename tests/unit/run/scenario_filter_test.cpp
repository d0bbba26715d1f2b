// --filter and --exclude select SUITE.SCENARIO by globs, dashes and all; --shard takes every
// COUNT-th of what they select, across suites, and the shards of a run cover it exactly once.
#include "run/scenario_filter.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/error.hpp"

namespace hurdle {
namespace {

TEST(ScenarioFilter, NamesWithDashesAreMatchedAsWritten) {
  // --gtest_filter would read this as "linux" minus "mini.kernel-is-linux".
  const ScenarioFilter one("linux-mini.kernel-is-linux", "");
  EXPECT_TRUE(one.selects("linux-mini", "kernel-is-linux"));
  EXPECT_FALSE(one.selects("linux-mini", "kernel-is-linuxish"));
  EXPECT_FALSE(one.selects("linux", "mini"));
}

TEST(ScenarioFilter, IncludesAndExcludesAreColonSeparatedGlobs) {
  const ScenarioFilter f("linux-mini.*:smoke.boot-?", "*slow*:*.boot-2");
  EXPECT_TRUE(f.selects("linux-mini", "ssh-works"));
  EXPECT_FALSE(f.selects("linux-mini", "very-slow-one"));
  EXPECT_TRUE(f.selects("smoke", "boot-1"));
  EXPECT_FALSE(f.selects("smoke", "boot-2"));
  EXPECT_FALSE(f.selects("other", "ssh-works"));
  EXPECT_FALSE(f.selects_everything());
  EXPECT_TRUE(ScenarioFilter().selects("any", "thing"));
  EXPECT_TRUE(ScenarioFilter("", "").selects_everything());
  EXPECT_FALSE(ScenarioFilter("", "*").selects("any", "thing"));
}

Suite suite_of(const std::string& name, std::initializer_list<const char*> scenarios) {
  Suite s;
  s.name = name;
  for (const char* sc : scenarios) s.scenarios.push_back(Scenario{sc, {}, {}, {}, {}, 0, {}, {}});
  return s;
}

std::vector<std::string> names(const std::vector<Suite>& suites,
                               const std::vector<SelectedScenario>& chosen) {
  std::vector<std::string> out;
  for (const auto& c : chosen)
    out.push_back(suites[c.suite].name + "." + suites[c.suite].scenarios[c.scenario].name);
  return out;
}

TEST(ScenarioFilter, ShardsSplitWhatThePatternsSelectAcrossSuites) {
  const std::vector<Suite> suites = {suite_of("a", {"one", "two", "slow"}),
                                     suite_of("b", {"three", "four"})};
  using Names = std::vector<std::string>;
  EXPECT_EQ(names(suites, ScenarioFilter("", "*slow*", Shard{0, 2}).select(suites)),
            (Names{"a.one", "b.three"}));
  EXPECT_EQ(names(suites, ScenarioFilter("", "*slow*", Shard{1, 2}).select(suites)),
            (Names{"a.two", "b.four"}));
  // Three shards of everything: each scenario once, in the run's order within each shard.
  std::multiset<std::string> all;
  for (std::size_t i = 0; i < 3; ++i)
    for (auto& n : names(suites, ScenarioFilter("", "", Shard{i, 3}).select(suites))) all.insert(n);
  EXPECT_EQ(all, (std::multiset<std::string>{"a.one", "a.two", "a.slow", "b.three", "b.four"}));
  // More shards than scenarios: the last ones are empty.
  EXPECT_TRUE(ScenarioFilter("", "", Shard{5, 6}).select(suites).empty());
  EXPECT_EQ(names(suites, ScenarioFilter().select(suites)).size(), 5u);
}

// Scenario `index` of `suite` continues scenario `after`, as `after:` makes it.
void chain(Suite& suite, std::size_t index, std::size_t after) {
  suite.scenarios[index].isolation = Isolation::kChained;
  suite.scenarios[index].after = after;
}

TEST(ScenarioFilter, AChainedScenarioStaysInItsPredecessorsShard) {
  std::vector<Suite> suites = {suite_of("a", {"one", "writes", "reads", "more-reads", "two"})};
  chain(suites[0], 2, 1);
  chain(suites[0], 3, 2);
  using Names = std::vector<std::string>;
  EXPECT_EQ(names(suites, ScenarioFilter("", "", Shard{0, 2}).select(suites)),
            (Names{"a.one", "a.two"}));
  EXPECT_EQ(names(suites, ScenarioFilter("", "", Shard{1, 2}).select(suites)),
            (Names{"a.writes", "a.reads", "a.more-reads"}));
  // Without its predecessor (filtered out) a chained scenario is a position of its own.
  EXPECT_EQ(names(suites, ScenarioFilter("", "a.writes", Shard{1, 2}).select(suites)),
            (Names{"a.reads", "a.more-reads"}));
}

// `after: writes` with another scenario between them: the pair still shares a shard, and the
// one between goes where its own position sends it.
TEST(ScenarioFilter, AScenarioAfterAnEarlierOneSharesItsShardAcrossOthers) {
  std::vector<Suite> suites = {suite_of("a", {"one", "writes", "other", "reads"})};
  chain(suites[0], 3, 1);
  using Names = std::vector<std::string>;
  EXPECT_EQ(names(suites, ScenarioFilter("", "", Shard{0, 2}).select(suites)),
            (Names{"a.one", "a.other"}));
  EXPECT_EQ(names(suites, ScenarioFilter("", "", Shard{1, 2}).select(suites)),
            (Names{"a.writes", "a.reads"}));
}

TEST(ScenarioFilter, AShardIsIndexSlashCount) {
  EXPECT_EQ(parse_shard("2/4").index, 2u);
  EXPECT_EQ(parse_shard("2/4").count, 4u);
  for (const char* bad : {"4/4", "1", "/2", "1/", "-1/2", "a/b", "1/0", "1/2/3", " 1/2"}) {
    try {
      (void)parse_shard(bad);
      ADD_FAILURE() << bad << " was taken";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("expected a shard as INDEX/COUNT with 0 <= INDEX < "
                                           "COUNT, such as 0/4; found '" +
                                           std::string(bad) + "'"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace hurdle
