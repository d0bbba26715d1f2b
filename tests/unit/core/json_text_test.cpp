// core/json_text: JSON from outside is parsed only within a nesting bound, so that a file nested
// a million levels deep is a message, not a stack overflow.
#include "core/json_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace hurdle {
namespace {

using ::testing::HasSubstr;

TEST(JsonText, ParsesWhatIsWithinTheBound) {
  std::string why;
  const auto json = parse_json_text(R"({"a": [1, {"b": "c"}], "d": "[[[[{{{{"})", why);
  ASSERT_TRUE(json.has_value()) << why;
  EXPECT_EQ(json->at("a").at(1).at("b"), "c");
  // Brackets in a string (an escaped quote before them too) are text, not nesting.
  EXPECT_TRUE(parse_json_text(R"(["\"[[[[[", "x"])", why, 1).has_value()) << why;
}

TEST(JsonText, RefusesWhatNestsDeeperThanTheBound) {
  std::string why;
  EXPECT_TRUE(parse_json_text("[[[1]]]", why, 3).has_value());
  EXPECT_FALSE(parse_json_text("[[[[1]]]]", why, 3).has_value());
  EXPECT_THAT(why, HasSubstr("deeper than 3 levels"));
  // A million levels: refused at once, no stack overflow.
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  EXPECT_FALSE(parse_json_text(deep, why).has_value());
  EXPECT_THAT(why, HasSubstr("deeper than " + std::to_string(kMaxJsonDepth)));
}

TEST(JsonText, SaysWhenItIsNotJson) {
  std::string why;
  EXPECT_FALSE(parse_json_text("{\"a\": ", why).has_value());
  EXPECT_EQ(why, "it is not JSON");
}

}  // namespace
}  // namespace hurdle
