// --filter and --exclude select SUITE.SCENARIO by globs, dashes and all.
#include "scenario/scenario_filter.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hurdle
