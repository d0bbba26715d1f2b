#include "console/ansi_filter.hpp"

#include <array>

namespace hurdle {

namespace {

// Bytes kept as they are in text: printable ASCII, UTF-8 bytes, newline and tab.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0; c < 256; ++c) plain[c] = c >= 0x20 || c == '\n' || c == '\t';
  return plain;
}();

}  // namespace

void AnsiFilter::feed(std::string_view raw, std::string& out) {
  // Writes straight into `out`, grown by the most that can come, and trimmed at the end.
  const std::size_t old_size = out.size();
  out.resize(old_size + raw.size());
  char* w = out.data() + old_size;
  State state = state_;  // a local: stores through `w` (a char*) could alias a member
  for (const char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (state == State::kText && kPlain[c]) {  // the common case: plain text
      *w++ = ch;
      continue;
    }
    switch (state) {
      case State::kText:
        if (c == 0x1b) {
          state = State::kEscape;
        }
        // '\r', BEL, NUL, backspace and other C0 controls are dropped.
        break;
      case State::kEscape:
        if (c == '[') {
          state = State::kCsi;  // ESC [ params final
        } else if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') {
          state = State::kString;  // OSC/DCS/APC/PM/SOS: until BEL or ESC '\'
        } else if (c == '(' || c == ')' || c == '*' || c == '+' || c == '#' || c == '%') {
          state = State::kCharset;  // one more byte follows
        } else {
          state = State::kText;  // two-byte sequence such as ESC c, ESC 7, ESC =
        }
        break;
      case State::kCsi:
        if (c >= 0x40 && c <= 0x7e) state = State::kText;  // final byte
        break;
      case State::kString:
        if (c == 0x07) {
          state = State::kText;
        } else if (c == 0x1b) {
          state = State::kStringEscape;
        }
        break;
      case State::kStringEscape:
        state = c == '\\' ? State::kText : State::kString;
        break;
      case State::kCharset:
        state = State::kText;
        break;
    }
  }
  state_ = state;
  out.resize(static_cast<std::size_t>(w - out.data()));
}

}  // namespace hurdle
