#include "core/json_text.hpp"

#include <fstream>

#include "core/error.hpp"

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

nlohmann::json read_json_text(std::istream& in, const std::string& source, std::size_t max_bytes) {
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      throw ConfigError({}, source + ": more than " + std::to_string(max_bytes) + " bytes");
  }
  if (in.bad()) throw ConfigError({}, source + ": cannot be read");
  std::string why;
  auto json = parse_json_text(text, why);
  if (!json) throw ConfigError({}, source + ": " + why);
  return std::move(*json);
}

nlohmann::json read_json_file(const std::filesystem::path& file, std::size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError({}, file.string() + ": cannot be read");
  return read_json_text(in, file.string(), max_bytes);
}

}  // namespace hurdle
