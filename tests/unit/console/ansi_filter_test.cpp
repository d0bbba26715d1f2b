#include "console/ansi_filter.hpp"

#include <gtest/gtest.h>

namespace hurdle {
namespace {

std::string filter(std::initializer_list<std::string_view> chunks) {
  AnsiFilter f;
  std::string out;
  for (auto c : chunks) f.feed(c, out);
  return out;
}

TEST(AnsiFilter, DropsColourCursorAndCarriageReturns) {
  EXPECT_EQ(filter({"\x1b[1;32mok\x1b[0m\r\n"}), "ok\n");
  EXPECT_EQ(filter({"\x1b[H\x1b[J\x1b[1;1H  Booting `GNU Mach'\r\n"}), "  Booting `GNU Mach'\n");
  // busybox ash asks for the cursor position before each prompt.
  EXPECT_EQ(filter({"root@hurdle-mini:/root# \x1b[6n"}), "root@hurdle-mini:/root# ");
}

TEST(AnsiFilter, SequenceSplitAcrossReads) {
  EXPECT_EQ(filter({"a\x1b", "[3", "1mb\x1b[", "0m", "c"}), "abc");
}

TEST(AnsiFilter, OscTitlesCharsetsAndControls) {
  EXPECT_EQ(filter({"\x1b]0;title\x07x"}), "x");
  EXPECT_EQ(filter({"\x1b]2;t\x1b\\y"}), "y");
  EXPECT_EQ(filter({"\x1b(Bz\x1b"
                    "c"}),
            "z");
  EXPECT_EQ(filter({std::string_view("a\0b\x07\x08\tc", 7)}), "ab\tc");
  EXPECT_EQ(filter({"de\x7fl"}), "del");
}

// A stray `ESC ]` whose terminator never comes used to swallow all later output, so that no
// prompt ever matched again: a sequence ends at a newline, CAN/SUB, a new ESC, or its limit.
TEST(AnsiFilter, AnUnterminatedEscapeStringCannotHideLaterOutput) {
  EXPECT_EQ(filter({"\x1b]0;never ends\nlogin: "}), "\nlogin: ");
  EXPECT_EQ(filter({"\x1b]0;never ends", "\x1b[31mred"}), "red");
  EXPECT_EQ(filter({"\x1bPdcs\x18"
                    "after"}),
            "after");
  const std::string long_title(AnsiFilter::kMaxSequence + 10, 'x');
  // ESC ] 0 ; and 509 x make 512 bytes after the ESC: the 513th byte ends the sequence.
  EXPECT_EQ(filter({"\x1b]0;" + long_title + "\x07"}), std::string(12, 'x'));
  // A control sequence that never ends is bounded too.
  EXPECT_EQ(filter({"\x1b[" + std::string(600, '1') + "login: "}),
            std::string(88, '1') + "login: ");
}

TEST(AnsiFilter, KeepsUtf8) { EXPECT_EQ(filter({"gr\xc3\xbc\xc3\x9f"}), "gr\xc3\xbc\xc3\x9f"); }

}  // namespace
}  // namespace hurdle
