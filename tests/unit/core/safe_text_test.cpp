// The one sanitiser every report, terminal line and log goes through: valid UTF-8 of legal XML
// characters out of any bytes in, controls shown and never executed, excerpts cut on character
// boundaries.
#include "core/safe_text.hpp"

#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

namespace hurdle {
namespace {

using namespace std::string_literals;

// Whether `text` is well-formed UTF-8 of characters XML 1.0 allows (Char production) other
// than the C1 controls, decoded independently of safe_text's own decoder.
bool legal_xml_utf8(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::uint32_t cp = 0;
    std::size_t n = 0;
    if (c < 0x80) {
      cp = c, n = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F, n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, n = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07, n = 4;
    } else {
      return false;
    }
    if (i + n > text.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n]) return false;  // overlong
    const bool legal = cp == 0x9 || cp == 0xA || (cp >= 0x20 && cp <= 0x7E) ||
                       (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
                       (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!legal) return false;
    i += n;
  }
  return true;
}

TEST(SafeText, KeepsPlainTextAndValidMultibyteCharacters) {
  EXPECT_EQ(safe_text("uname -s\nGNU\n\tok"), "uname -s\nGNU\n\tok");
  EXPECT_EQ(safe_text("Grüße, 日本, 🐃"), "Grüße, 日本, 🐃");
}

TEST(SafeText, ShowsControlBytesAsPicturesInsteadOfExecutingThem) {
  EXPECT_EQ(safe_text("\x1b[31mred\x1b[0m"), "␛[31mred␛[0m");
  EXPECT_EQ(safe_text("a\0b"s), "a␀b");
  EXPECT_EQ(safe_text("bell\a del\x7f"), "bell␇ del␡");
  EXPECT_EQ(safe_text("progress\rrewritten"), "progress␍rewritten");
  EXPECT_EQ(safe_text("dos\r\nline"), "dos\nline");
}

TEST(SafeText, ReplacesInvalidUtf8VisiblyOneMarkPerUnreadableByte) {
  EXPECT_EQ(safe_text("a\xff"
                      "b"),
            "a�b");
  EXPECT_EQ(safe_text("\xc3"), "�");  // cut short at the end
  EXPECT_EQ(safe_text("\xe6\x97"
                      "x"),
            "��x");                                        // cut short before ASCII
  EXPECT_EQ(safe_text("\xc0\xaf"), "��");                  // overlong '/'
  EXPECT_EQ(safe_text("\xed\xa0\x80"), "���");             // a UTF-16 surrogate
  EXPECT_EQ(safe_text("\xf4\x90\x80\x80"), "����");        // beyond U+10FFFF
  EXPECT_EQ(safe_text("\xef\xbf\xbe\xef\xbf\xbf"), "��");  // U+FFFE, U+FFFF: not XML
  EXPECT_EQ(safe_text("\xc2\x9b"
                      "31m"),
            "�31m");  // C1 CSI, executed by some terminals
}

TEST(SafeText, SafeLineShowsLineBreaksToo) {
  EXPECT_EQ(safe_line("one\ntwo\tthree\r"), "one␊two␉three␍");
}

TEST(SafeText, AnyBytesGiveLegalXmlThatJsonCanWrite) {
  std::mt19937 random(20261125);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 2000; ++round) {
    std::string raw(static_cast<std::size_t>(round % 64), '\0');
    for (auto& c : raw) c = static_cast<char>(byte(random));
    const std::string safe = safe_text(raw);
    ASSERT_TRUE(legal_xml_utf8(safe)) << "round " << round;
    EXPECT_NO_THROW((void)nlohmann::json(safe).dump()) << "round " << round;
    EXPECT_EQ(safe_text(safe), safe) << "not idempotent, round " << round;
  }
}

TEST(SafeText, HeadsAndTailsAreCutOnCharacterBoundaries) {
  const std::string text = "ab日本";  // 2 + 3 + 3 bytes
  EXPECT_EQ(utf8_head(text, 8), text);
  EXPECT_EQ(utf8_head(text, 7), "ab日");
  EXPECT_EQ(utf8_head(text, 5), "ab日");
  EXPECT_EQ(utf8_head(text, 4), "ab");
  EXPECT_EQ(utf8_head(text, 2), "ab");
  EXPECT_EQ(utf8_tail(text, 7), "b日本");
  EXPECT_EQ(utf8_tail(text, 6), "日本");
  EXPECT_EQ(utf8_tail(text, 5), "本");
  EXPECT_EQ(utf8_tail(text, 4), "本");
  EXPECT_EQ(utf8_tail(text, 2), "");
  // A run of continuation bytes that is not UTF-8 at all is cut where asked.
  const std::string junk(10, '\x80');
  EXPECT_EQ(utf8_head(junk, 5).size(), 5u);
  EXPECT_EQ(utf8_tail(junk, 5).size(), 2u);
  for (std::size_t n = 0; n <= text.size(); ++n) {
    EXPECT_EQ(safe_text(utf8_head(text, n)).find("�"), std::string::npos) << n;
    EXPECT_EQ(safe_text(utf8_tail(text, n)).find("�"), std::string::npos) << n;
  }
}

}  // namespace
}  // namespace hurdle
