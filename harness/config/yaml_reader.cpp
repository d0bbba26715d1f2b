#include "config/yaml_reader.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace hurdle {

namespace {

std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "an undefined value";
  }
}

// Splits "250ms" into 250 and "ms"; returns false when there is no leading number.
bool split_number(const std::string& s, double& number, std::string& unit) {
  std::size_t end = 0;
  while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.'))
    ++end;
  if (end == 0) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + end, number);
  if (ec != std::errc() || ptr != s.data() + end) return false;
  unit = s.substr(end);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  return true;
}

}  // namespace

YAML::Node load_yaml_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError({file, 0, 0}, "cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  try {
    YAML::Node root = YAML::Load(text.str());
    if (!root.IsDefined() || root.IsNull())
      throw ConfigError({file, 1, 1}, "the file is empty; expected a mapping");
    return root;
  } catch (const YAML::ParserException& e) {
    throw ConfigError({file, static_cast<std::size_t>(e.mark.line + 1),
                       static_cast<std::size_t>(e.mark.column + 1)},
                      "invalid YAML: " + e.msg);
  }
}

SourceLocation location_of(const YAML::Node& node, const std::filesystem::path& file) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {file, 0, 0};
  return {file, static_cast<std::size_t>(mark.line + 1), static_cast<std::size_t>(mark.column + 1)};
}

void fail_at(const YAML::Node& node, const std::filesystem::path& file,
             const std::string& problem) {
  throw ConfigError(location_of(node, file), problem);
}

std::string as_string(const YAML::Node& node, const std::filesystem::path& file) {
  if (!node.IsScalar()) fail_at(node, file, "expected a string, found " + kind_of(node));
  return node.Scalar();
}

std::int64_t as_integer(const YAML::Node& node, const std::filesystem::path& file) {
  const std::string s = as_string(node, file);
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size())
    fail_at(node, file, "expected a whole number, found '" + s + "'");
  return value;
}

bool as_bool(const YAML::Node& node, const std::filesystem::path& file) {
  const std::string s = as_string(node, file);
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  fail_at(node, file, "expected true or false, found '" + s + "'");
}

std::chrono::milliseconds as_duration(const YAML::Node& node, const std::filesystem::path& file) {
  const std::string s = as_string(node, file);
  double number = 0;
  std::string unit;
  if (split_number(s, number, unit)) {
    double ms = -1;
    if (unit.empty() || unit == "s")
      ms = number * 1000;
    else if (unit == "ms")
      ms = number;
    else if (unit == "m" || unit == "min")
      ms = number * 60'000;
    else if (unit == "h")
      ms = number * 3'600'000;
    if (ms >= 0) return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
  }
  fail_at(node, file, "expected a duration such as 250ms, 30s, 5m or 1h, found '" + s + "'");
}

std::uint64_t as_mebibytes(const YAML::Node& node, const std::filesystem::path& file) {
  const std::string s = as_string(node, file);
  double number = 0;
  std::string unit;
  if (split_number(s, number, unit)) {
    if (unit.empty() || unit == "M" || unit == "MiB") return static_cast<std::uint64_t>(number);
    if (unit == "G" || unit == "GiB") return static_cast<std::uint64_t>(number * 1024);
    if (unit == "K" || unit == "KiB") return static_cast<std::uint64_t>(number / 1024);
  }
  fail_at(node, file, "expected a size such as 512M or 2G, found '" + s + "'");
}

std::vector<std::string> as_string_list(const YAML::Node& node, const std::filesystem::path& file) {
  if (node.IsScalar()) return {node.Scalar()};
  if (!node.IsSequence()) fail_at(node, file, "expected a list of strings, found " + kind_of(node));
  std::vector<std::string> out;
  for (const auto& item : node) out.push_back(as_string(item, file));
  return out;
}

MappingReader::MappingReader(const YAML::Node& node, std::filesystem::path file, std::string what)
    : node_(node), file_(std::move(file)), what_(std::move(what)) {
  if (!node_.IsMap())
    fail_at(node_, file_, "expected " + what_ + " (a mapping), found " + kind_of(node_));
}

bool MappingReader::has(const std::string& key) {
  asked_.insert(key);
  return static_cast<bool>(node_[key]);
}

YAML::Node MappingReader::get(const std::string& key) {
  asked_.insert(key);
  const YAML::Node value = node_[key];
  return value ? value : YAML::Node();
}

YAML::Node MappingReader::require(const std::string& key) {
  asked_.insert(key);
  const YAML::Node value = node_[key];
  if (!value) fail_at(node_, file_, what_ + " needs the key '" + key + "'");
  return value;
}

std::string MappingReader::string(const std::string& key, const std::string& fallback) {
  const YAML::Node value = get(key);
  return value && !value.IsNull() ? as_string(value, file_) : fallback;
}

void MappingReader::finish() {
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (asked_.count(key) == 0) {
      std::string allowed;
      for (const auto& k : asked_) allowed += (allowed.empty() ? "" : ", ") + k;
      fail_at(entry.first, file_,
              "unknown key '" + key + "' in " + what_ + "; expected one of: " + allowed);
    }
  }
}

}  // namespace hurdle
