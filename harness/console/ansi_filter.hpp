// Turns raw serial-console bytes into the text that expect patterns match against: ANSI/VT100
// escape sequences, carriage returns and other control bytes are dropped. Streaming: an escape
// sequence split across two reads is still recognised. Used by SerialConsole.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hurdle {

class AnsiFilter {
 public:
  // Appends the printable part of `raw` to `out`. Keeps '\n' and '\t'.
  void feed(std::string_view raw, std::string& out);

 private:
  enum class State : std::uint8_t { kText, kEscape, kCsi, kString, kStringEscape, kCharset };
  State state_ = State::kText;
};

}  // namespace hurdle
