#include "core/json_text.hpp"

namespace hurdle {

namespace {

// Whether `text` opens no more than `max_depth` arrays and objects inside one another; a
// bracket inside a string does not count. One pass, no recursion.
bool nests_within(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

}  // namespace

std::optional<nlohmann::json> parse_json_text(std::string_view text, std::string& why,
                                              std::size_t max_depth) {
  if (!nests_within(text, max_depth)) {
    why = "it nests arrays and objects deeper than " + std::to_string(max_depth) + " levels";
    return std::nullopt;
  }
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    why = "it is not JSON";
    return std::nullopt;
  }
  return json;
}

}  // namespace hurdle
