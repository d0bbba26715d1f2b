// Reads YAML input files so that every error names file, line and column and says what was
// expected. MappingReader rejects keys it was not asked about: a typo never passes silently.
// Used by the machine-profile loader and the suite loader; not part of the public API.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace hurdle {

// Where each anchor of a file is written and where aliases use it: an error found in a value
// reached through an alias (yaml-cpp gives it the anchor's place) can then name the alias too.
struct YamlAliases {
  struct Anchor {
    std::string name;
    std::size_t first_line = 0, last_line = 0;  // from 1
    std::vector<std::size_t> alias_lines;       // from 1
  };
  std::vector<Anchor> anchors;

  // The error, with a note naming the aliases that use the text at its line, if any do.
  [[nodiscard]] ConfigError annotated(const ConfigError& error) const;
};

// Parses a file; syntax errors become ConfigError with the parser's position. Refused before
// any node is built: a key given twice in a mapping, a second document, and aliases that expand
// into more than 200,000 values. `aliases`, when given, receives where anchors are used.
YAML::Node load_yaml_file(const std::filesystem::path& file, YamlAliases* aliases = nullptr);

SourceLocation location_of(const YAML::Node& node, const std::filesystem::path& file);
// Where yaml-cpp says its exception happened.
SourceLocation yaml_location(const YAML::Exception& e, const std::filesystem::path& file);

[[noreturn]] void fail_at(const YAML::Node& node, const std::filesystem::path& file,
                          const std::string& problem);

// A pattern RE2 compiles; else fails at the node with RE2's own account of what is wrong.
void check_regex(const YAML::Node& node, const std::string& pattern,
                 const std::filesystem::path& file);

// Scalar conversions that fail with "expected ..." at the node's position.
std::string as_string(const YAML::Node& node, const std::filesystem::path& file);
std::int64_t as_integer(const YAML::Node& node, const std::filesystem::path& file);
bool as_bool(const YAML::Node& node, const std::filesystem::path& file);
// The longest duration and the largest size an input file may give.
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24);
inline constexpr std::uint64_t kMaxMebibytes = 1024 * 1024;

// "250ms", "30s", "5m", "1h", or a plain number of seconds; at most kMaxDuration.
std::chrono::milliseconds as_duration(const YAML::Node& node, const std::filesystem::path& file);
// "512M", "2G", "64K", or a plain number of MiB; returns MiB, at most kMaxMebibytes.
std::uint64_t as_mebibytes(const YAML::Node& node, const std::filesystem::path& file);
// The same sizes in bytes ("64K" is 65536); a plain number is MiB as well.
std::uint64_t as_bytes(const YAML::Node& node, const std::filesystem::path& file);
std::vector<std::string> as_string_list(const YAML::Node& node, const std::filesystem::path& file);

// A mapping whose keys are all known. Ask for each key; finish() reports any key not asked for.
class MappingReader {
 public:
  MappingReader(const YAML::Node& node, std::filesystem::path file, std::string what);

  [[nodiscard]] bool has(const std::string& key);
  [[nodiscard]] YAML::Node get(const std::string& key);      // null node when absent
  [[nodiscard]] YAML::Node require(const std::string& key);  // error when absent
  [[nodiscard]] std::string string(const std::string& key, const std::string& fallback = "");
  [[nodiscard]] const YAML::Node& node() const { return node_; }
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

  // Throws ConfigError at the first unknown key, listing the keys that are allowed.
  void finish();

 private:
  YAML::Node node_;
  std::filesystem::path file_;
  std::string what_;
  std::set<std::string> asked_;
};

}  // namespace hurdle
