// JSON text from outside (a template pack's files, a saved machine's manifest), parsed with a
// bound on its nesting: nlohmann's parser keeps its own stack, but dump(), comparisons and the
// code that walks a value recurse, so a file a million arrays deep (2 MB) would end the process
// with a stack overflow instead of a message. Used for every JSON file a template pack carries.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace hurdle {

// How deep a JSON file hurdle reads may nest: its own files are a few levels deep.
inline constexpr std::size_t kMaxJsonDepth = 32;

// `text` parsed, or nothing when it is not JSON or nests deeper than `max_depth` arrays and
// objects; `why` then says which (without quoting the text).
std::optional<nlohmann::json> parse_json_text(std::string_view text, std::string& why,
                                              std::size_t max_depth = kMaxJsonDepth);

// JSON text from `in` (at most `max_bytes`), parsed as above; `source` names it in the
// ConfigError thrown when it is too long, cannot be read, or is not JSON.
nlohmann::json read_json_text(std::istream& in, const std::string& source, std::size_t max_bytes);
// The same from a file.
nlohmann::json read_json_file(const std::filesystem::path& file, std::size_t max_bytes);

}  // namespace hurdle
