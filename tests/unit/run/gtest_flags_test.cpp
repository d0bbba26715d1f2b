// GoogleTest's flags as people typed them become the run's own fields; the ones hurdle cannot
// honour are refused with what to use instead, never passed on or ignored.
#include "run/gtest_flags.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"

namespace hurdle {
namespace {

using ::testing::HasSubstr;

TEST(GtestFlags, TheFlagsHurdleHonoursBecomeFieldsOfTheRun) {
  RunRequest r;
  for (const char* flag : {"--gtest_list_tests", "--gtest_shuffle", "--gtest_fail_fast",
                           "--gtest_repeat=3", "--gtest_random_seed=42", "--gtest_brief=1",
                           "--gtest_color=no", "--gtest_also_run_disabled_tests"})
    apply_gtest_flag(r, flag);
  EXPECT_TRUE(r.list);
  EXPECT_TRUE(r.shuffle);
  EXPECT_TRUE(r.fail_fast);
  EXPECT_EQ(r.repeat, 3);
  EXPECT_EQ(r.seed, 42u);
}

TEST(GtestFlags, FlagsHurdleCannotHonourAreRefusedNamingWhatToUse) {
  const std::pair<const char*, const char*> refused[] = {
      {"--gtest_filter=linux-mini.*", "--filter and --exclude"},
      {"--gtest_output=xml:out.xml", "--junit"},
      {"--gtest_repeat=-1", "at least 1"},
      {"--gtest_repeat=0", "at least 1"},
      {"--gtest_repeat=many", "a whole number"},
      {"--gtest_random_seed=-5", "a whole number"},
      {"--gtest_random_seed=99999999999", "a whole number"},
      {"--gtest_break_on_failure", "not an option of `hurdle run`"},
      {"--filtr", "not an option of `hurdle run`"},
      {"suite2.yaml", "not an option of `hurdle run`"},
  };
  for (const auto& [flag, said] : refused) {
    RunRequest r;
    try {
      apply_gtest_flag(r, flag);
      ADD_FAILURE() << flag << " was taken";
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr(flag));
      EXPECT_THAT(e.what(), HasSubstr(said)) << flag;
    }
    EXPECT_EQ(r.repeat, 1) << flag;
    EXPECT_FALSE(r.seed) << flag;
  }
}

}  // namespace
}  // namespace hurdle
