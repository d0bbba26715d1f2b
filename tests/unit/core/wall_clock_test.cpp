// The wall clock as text: UTC unless asked for local time, and strftime's format as given.
#include "core/wall_clock.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <re2/re2.h>

namespace hurdle {
namespace {

TEST(WallClock, UtcByDefaultAndLocalTimeWhenAsked) {
  ::setenv("TZ", "Asia/Kolkata", 1);
  ::tzset();
  EXPECT_EQ(wall_clock_text("%z"), "+0000");
  EXPECT_EQ(wall_clock_text("%z", TimeZone::kLocal), "+0530");
  ::unsetenv("TZ");
  ::tzset();
  EXPECT_TRUE(RE2::FullMatch(wall_clock_text("run-%Y%m%dT%H%M%SZ"), R"(run-\d{8}T\d{6}Z)"));
}

}  // namespace
}  // namespace hurdle
