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

}  // namespace
