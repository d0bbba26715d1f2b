// Text from outside (the guest's output above all, but also names and messages built from it)
// made safe for every place hurdle writes it: JUnit XML, JSON, the terminal and logs. The one
// sanitiser every writer goes through, so that no byte a guest prints can make a report
// invalid, a JSON writer throw, or a terminal execute an escape sequence.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hurdle {

// `raw` as valid UTF-8 of characters legal in XML 1.0, readable on a terminal:
// - '\n' and '\t' are kept; "\r\n" becomes "\n";
// - every other C0 control byte and DEL is shown as its Unicode control picture (ESC as "␛",
//   NUL as "␀", a lone CR as "␍"), so it is visible and never executed;
// - invalid UTF-8 (stray, truncated or overlong sequences, surrogates, beyond U+10FFFF), the C1
//   controls U+0080..U+009F (which some terminals execute) and the non-characters U+FFFE and
//   U+FFFF become U+FFFD "�", one per byte that could not be read.
[[nodiscard]] std::string safe_text(std::string_view raw);

// `safe_text` of one line: a newline or tab is shown as its control picture as well.
[[nodiscard]] std::string safe_line(std::string_view raw);

// The longest head of `text` of at most `max_bytes` that does not end inside a UTF-8 sequence.
[[nodiscard]] std::string_view utf8_head(std::string_view text, std::size_t max_bytes);

// The longest tail of `text` of at most `max_bytes` that does not start inside a UTF-8 sequence.
[[nodiscard]] std::string_view utf8_tail(std::string_view text, std::size_t max_bytes);

}  // namespace hurdle
