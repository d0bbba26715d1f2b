#include "core/secret_mask.hpp"

#include <gtest/gtest.h>

namespace {

TEST(SecretMask, AValueIsMaskedWhereverItIsAndOneInsideAnotherWhole) {
  hurdle::SecretMask mask;
  mask.add("hunter2");
  mask.add("hunter");
  mask.add("");
  EXPECT_EQ(mask.masked("pw=hunter2, again hunter2; hunter"),
            "pw=********, again ********; ********");
  EXPECT_EQ(mask.secrets().front(), "hunter2");
}

TEST(SecretMask, AValueOfSeveralLinesIsMaskedWholeAndLineByLine) {
  hurdle::SecretMask mask;
  mask.add("first line\r\nsecond line\nab\n");
  EXPECT_EQ(mask.masked("x first line\r\nsecond line\nab\n y"), "x ******** y");
  // Printed or read a line at a time: each line is a secret of its own.
  EXPECT_EQ(mask.masked("second line"), "********");
  EXPECT_EQ(mask.masked("> first line"), "> ********");
  // A line too short to mask without masking everything stays.
  EXPECT_EQ(mask.masked("ab"), "ab");
}

// What must not be kept as it is (a boot cache key, a template's variables): a value that holds
// a secret, or a line of one.
TEST(SecretMask, RevealsAValueHoldingASecretOrALineOfOne) {
  const hurdle::SecretMask mask(std::vector<std::string>{"hunter2", "line one\nline two"});
  EXPECT_TRUE(mask.reveals("user:hunter2@host"));
  EXPECT_TRUE(mask.reveals("line two"));
  EXPECT_FALSE(mask.reveals("hunter"));
  EXPECT_FALSE(mask.reveals(""));
  EXPECT_FALSE(hurdle::SecretMask().reveals("anything"));
}

}  // namespace
