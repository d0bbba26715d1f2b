#include "console/ansi_filter.hpp"

namespace hurdle {

void AnsiFilter::feed(std::string_view raw, std::string& out) {
  out.reserve(out.size() + raw.size());
  for (const char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    switch (state_) {
      case State::kText:
        if (c == 0x1b) {
          state_ = State::kEscape;
        } else if (c >= 0x20 || c == '\n' || c == '\t') {
          out.push_back(ch);  // printable ASCII, UTF-8 bytes, DEL-free text
        }
        // '\r', BEL, NUL, backspace and other C0 controls are dropped.
        break;
      case State::kEscape:
        if (c == '[') {
          state_ = State::kCsi;  // ESC [ params final
        } else if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') {
          state_ = State::kString;  // OSC/DCS/APC/PM/SOS: until BEL or ESC '\'
        } else if (c == '(' || c == ')' || c == '*' || c == '+' || c == '#' || c == '%') {
          state_ = State::kCharset;  // one more byte follows
        } else {
          state_ = State::kText;  // two-byte sequence such as ESC c, ESC 7, ESC =
        }
        break;
      case State::kCsi:
        if (c >= 0x40 && c <= 0x7e) state_ = State::kText;  // final byte
        break;
      case State::kString:
        if (c == 0x07) {
          state_ = State::kText;
        } else if (c == 0x1b) {
          state_ = State::kStringEscape;
        }
        break;
      case State::kStringEscape:
        state_ = c == '\\' ? State::kText : State::kString;
        break;
      case State::kCharset:
        state_ = State::kText;
        break;
    }
  }
}

}  // namespace hurdle
