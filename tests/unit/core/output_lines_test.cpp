#include "core/output_lines.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using Lines = std::vector<std::string>;

TEST(OutputLines, PiecesBecomeWholeLinesPerStreamInTheOrderTheyEnd) {
  Lines got;
  hurdle::OutputLines lines([&](bool err, std::string_view line) {
    got.push_back((err ? "E " : "O ") + std::string(line));
  });
  lines.feed(false, "fir");
  lines.feed(true, "warn");
  lines.feed(false, "st\r\nsec");
  lines.feed(true, "ing\n");
  lines.feed(false, "ond\nthird without a newline");
  EXPECT_EQ(got, (Lines{"O first", "E warning", "O second"}));
  lines.finish();
  EXPECT_EQ(got.back(), "O third without a newline");
  lines.finish();  // nothing more to end
  EXPECT_EQ(got.size(), 4u);
}

TEST(OutputLines, AnOverlongLineIsReplacedBySayingItsLength) {
  Lines got;
  hurdle::OutputLines lines([&](bool, std::string_view line) { got.emplace_back(line); }, 16);
  lines.feed(false, std::string(40, 'x'));
  lines.feed(false, std::string(10, 'x') + "\nshort\n");
  EXPECT_EQ(got, (Lines{"[a line of 50 bytes, not shown]", "short"}));
}

}  // namespace
