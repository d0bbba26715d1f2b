#include "console/ansi_filter.hpp"

#include <array>

namespace hurdle {

namespace {

// Bytes kept as they are in text: printable ASCII, UTF-8 bytes, newline and tab (not DEL).
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0; c < 256; ++c) plain[c] = (c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t';
  return plain;
}();

}  // namespace

AnsiFilter::State AnsiFilter::after_escape(unsigned char c) {
  if (c == '[') return State::kCsi;  // ESC [ params final
  if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X')
    return State::kString;  // OSC/DCS/APC/PM/SOS: until BEL or ESC '\'
  if (c == '(' || c == ')' || c == '*' || c == '+' || c == '#' || c == '%')
    return State::kCharset;  // one more byte follows
  return State::kText;       // a two-byte sequence such as ESC c, ESC 7, ESC =
}

void AnsiFilter::feed(std::string_view raw, std::string& out) {
  // Writes straight into `out`, grown by the most that can come, and trimmed at the end.
  const std::size_t old_size = out.size();
  out.resize(old_size + raw.size());
  char* w = out.data() + old_size;
  State state = state_;  // locals: stores through `w` (a char*) could alias members
  std::uint32_t length = sequence_length_;
  for (const char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (state == State::kText) {
      if (kPlain[c]) {  // the common case: plain text
        *w++ = ch;
      } else if (c == 0x1b) {
        state = State::kEscape;
        length = 0;
      }
      // '\r', BEL, NUL, backspace and other C0 controls are dropped.
      continue;
    }
    // Inside a sequence: a newline, CAN or SUB ends it (a newline is kept as text), and so
    // does its length, so that a lost terminator cannot hide everything after it.
    if (c == '\n' || c == 0x18 || c == 0x1a || ++length > kMaxSequence) {
      state = State::kText;
      if (c == '\n') *w++ = ch;
      continue;
    }
    switch (state) {
      case State::kText:
        break;  // handled above
      case State::kEscape:
        state = after_escape(c);
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
        // ESC \ ends the string; ESC and anything else ends it too and starts a new sequence.
        state = c == '\\' ? State::kText : after_escape(c);
        break;
      case State::kCharset:
        state = State::kText;
        break;
    }
  }
  state_ = state;
  sequence_length_ = length;
  out.resize(static_cast<std::size_t>(w - out.data()));
}

}  // namespace hurdle
