#include "core/safe_text.hpp"

#include <cstdint>

namespace hurdle {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

void append_code_point(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The length of the well-formed UTF-8 sequence at `text[at]` (2..4), or 0 when there is none
// (RFC 3629: no overlong forms, no surrogates, nothing beyond U+10FFFF). Sets `cp`.
std::size_t sequence_at(std::string_view text, std::size_t at, std::uint32_t& cp) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = b(0);
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (b(1) < low || b(1) > high) return 0;
  cp = (cp << 6) | (b(1) & 0x3F);
  for (std::size_t i = 2; i < length; ++i) {
    if (!continuation(b(i))) return 0;
    cp = (cp << 6) | (b(i) & 0x3F);
  }
  return length;
}

std::string sanitised(std::string_view raw, bool keep_line_breaks) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 8);
  for (std::size_t at = 0; at < raw.size();) {
    const auto c = static_cast<unsigned char>(raw[at]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++at;
      continue;
    }
    if (c < 0x80) {  // C0 controls and DEL
      if (keep_line_breaks && (c == '\n' || c == '\t')) {
        out += static_cast<char>(c);
      } else if (keep_line_breaks && c == '\r' && at + 1 < raw.size() && raw[at + 1] == '\n') {
        // "\r\n": the newline that follows is kept; the carriage return is not news.
      } else {
        append_code_point(out, c == 0x7F ? 0x2421 : 0x2400 + c);
      }
      ++at;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t length = sequence_at(raw, at, cp);
    if (length == 0 || (cp >= 0x80 && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF) {
      out += kReplacement;
      at += length == 0 ? 1 : length;
      continue;
    }
    out.append(raw.substr(at, length));
    at += length;
  }
  return out;
}

}  // namespace

std::string safe_text(std::string_view raw) { return sanitised(raw, true); }

std::string safe_line(std::string_view raw) { return sanitised(raw, false); }

std::string_view utf8_head(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Step back over continuation bytes to the start of the character the cut falls in (at most
  // three: a longer run is not UTF-8, and is cut where it is).
  std::size_t back = 0;
  while (end > 0 && back < 3 && continuation(static_cast<unsigned char>(text[end]))) {
    --end;
    ++back;
  }
  if (back > 0 && continuation(static_cast<unsigned char>(text[end]))) end = max_bytes;
  return text.substr(0, end);
}

std::string_view utf8_tail(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t start = text.size() - max_bytes;
  for (int skipped = 0;
       skipped < 3 && start < text.size() && continuation(static_cast<unsigned char>(text[start]));
       ++skipped) {
    ++start;
  }
  return text.substr(start);
}

}  // namespace hurdle
