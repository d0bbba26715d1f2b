// Turns raw serial-console bytes into the text that expect patterns match against: ANSI/VT100
// escape sequences, carriage returns and other control bytes are dropped. Streaming: an escape
// sequence split across two reads is still recognised. Bounded: an escape string (OSC, DCS...)
// or control sequence ends at a newline, at CAN or SUB, or after kMaxSequence bytes, so that a
// stray `ESC ]` with no terminator cannot swallow all later output. Used by SerialConsole.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hurdle {

class AnsiFilter {
 public:
  // Appends the printable part of `raw` to `out`. Keeps '\n' and '\t'.
  void feed(std::string_view raw, std::string& out);

  static constexpr std::uint32_t kMaxSequence = 512;

 private:
  enum class State : std::uint8_t { kText, kEscape, kCsi, kString, kStringEscape, kCharset };
  static State after_escape(unsigned char c);  // the state after ESC and `c`
  State state_ = State::kText;
  std::uint32_t sequence_length_ = 0;  // bytes of the escape sequence read so far
};

}  // namespace hurdle
