#include "config/yaml_reader.hpp"

#include <re2/re2.h>

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

namespace hurdle {

namespace {

// What a node is, for "expected X, found Y". A scalar is quoted only where a value is expected
// (`quote`): a whole file that is not YAML's mapping (a key file, a .env given by mistake) must
// not have its contents copied into the message.
std::string kind_of(const YAML::Node& node, bool quote = true) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      if (!quote) return "a text of " + std::to_string(node.Scalar().size()) + " characters";
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

// What yaml-cpp's node loader lets through and hurdle refuses, found from the parser's events
// before any node is built: a key given twice in one mapping (the loader keeps one silently),
// a second document (the loader reads the first only), and aliases that expand into more nodes
// than any suite or profile has (an "alias bomb": a few lines that expand into billions).
class StructureCheck : public YAML::EventHandler {
 public:
  StructureCheck(const std::filesystem::path& file, YamlAliases* aliases)
      : file_(file), aliases_(aliases) {}

  void OnAnchor(const YAML::Mark&, const std::string& name) override { anchor_name_ = name; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    leaf(mark, anchor, std::nullopt);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (aliases_ != nullptr && anchor < anchor_index_.size() && anchor_index_[anchor] >= 0)
      aliases_->anchors[static_cast<std::size_t>(anchor_index_[anchor])].alias_lines.push_back(
          static_cast<std::size_t>(mark.line + 1));
    seen(mark);
    const std::uint64_t size = anchor < sizes_.size() ? sizes_[anchor] : 1;
    count(mark, size);
    value_done(mark, std::nullopt);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    leaf(mark, anchor, value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, true);
  }
  void OnMapEnd() override { close(); }

 private:
  static constexpr std::uint64_t kMaxNodes = 200'000;

  struct Container {
    YAML::Mark mark;
    YAML::anchor_t anchor;
    bool mapping;
    bool expecting_key = true;
    std::uint64_t size = 1;
    std::map<std::string, int> keys;  // each scalar key and its line (from 0)
  };

  void count(const YAML::Mark& mark, std::uint64_t size) {
    total_ = std::min(total_ + size, kMaxNodes + 1);
    if (!stack_.empty()) stack_.back().size = std::min(stack_.back().size + size, kMaxNodes + 1);
    if (total_ > kMaxNodes)
      throw ConfigError(location(mark), "aliases expand this file into more than " +
                                            std::to_string(kMaxNodes) +
                                            " values; no suite or profile needs that many");
  }
  void remember(YAML::anchor_t anchor, std::uint64_t size) {
    if (anchor == YAML::NullAnchor) return;
    if (sizes_.size() <= anchor) sizes_.resize(anchor + 1, 1);
    sizes_[anchor] = size;
  }
  // A node with an anchor starts at `mark`: noted, with its name, for YamlAliases.
  void anchored(YAML::anchor_t anchor, const YAML::Mark& mark) {
    if (anchor == YAML::NullAnchor || aliases_ == nullptr) return;
    if (anchor_index_.size() <= anchor) anchor_index_.resize(anchor + 1, -1);
    anchor_index_[anchor] = static_cast<long>(aliases_->anchors.size());
    const auto line = static_cast<std::size_t>(mark.line + 1);
    aliases_->anchors.push_back({anchor_name_, line, line, {}});
  }
  // The latest line of the file seen: where the anchored nodes still open end, so far.
  void seen(const YAML::Mark& mark) {
    const auto line = static_cast<std::size_t>(mark.line + 1);
    if (aliases_ == nullptr) return;
    for (const auto& c : stack_)
      if (c.anchor != YAML::NullAnchor && c.anchor < anchor_index_.size() &&
          anchor_index_[c.anchor] >= 0) {
        auto& a = aliases_->anchors[static_cast<std::size_t>(anchor_index_[c.anchor])];
        a.last_line = std::max(a.last_line, line);
      }
  }
  // A key or value is complete: a scalar key is checked against the mapping's earlier keys.
  void value_done(const YAML::Mark& mark, const std::optional<std::string>& scalar) {
    if (stack_.empty() || !stack_.back().mapping) return;
    Container& map = stack_.back();
    if (map.expecting_key && scalar) {
      const auto [first, fresh] = map.keys.emplace(*scalar, mark.line);
      if (!fresh)
        throw ConfigError(location(mark), "the key '" + *scalar +
                                              "' is given twice in this mapping (first at line " +
                                              std::to_string(first->second + 1) + "); keep one");
    }
    map.expecting_key = !map.expecting_key;
  }
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor,
            const std::optional<std::string>& scalar) {
    count(mark, 1);
    remember(anchor, 1);
    anchored(anchor, mark);
    seen(mark);
    value_done(mark, scalar);
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor, bool mapping) {
    if (!stack_.empty() && stack_.back().mapping && stack_.back().expecting_key) {
      stack_.back().expecting_key = false;  // a complex key: not compared
    } else {
      value_done(mark, std::nullopt);
    }
    total_ = std::min(total_ + 1, kMaxNodes + 1);
    seen(mark);
    anchored(anchor, mark);
    stack_.push_back(Container{mark, anchor, mapping, true, 1, {}});
  }
  void close() {
    const Container done = std::move(stack_.back());
    stack_.pop_back();
    remember(done.anchor, done.size);
    if (!stack_.empty())
      stack_.back().size = std::min(stack_.back().size + done.size, kMaxNodes + 1);
  }
  [[nodiscard]] SourceLocation location(const YAML::Mark& mark) const {
    return {file_, static_cast<std::size_t>(mark.line + 1),
            static_cast<std::size_t>(mark.column + 1)};
  }

  const std::filesystem::path& file_;
  YamlAliases* aliases_;
  std::string anchor_name_;         // the name the next anchored node takes
  std::vector<long> anchor_index_;  // anchor id -> index in aliases_->anchors (-1: none)
  std::vector<Container> stack_;
  std::vector<std::uint64_t> sizes_;  // expanded size of each anchored node, by anchor id
  std::uint64_t total_ = 0;
};

// Only notes where a document starts.
class DocumentStart : public YAML::EventHandler {
 public:
  std::size_t line = 0;
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (line == 0) line = static_cast<std::size_t>(mark.line + 1);
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Runs StructureCheck over `text`; a second document is an error at its first line.
void check_structure(const std::string& text, const std::filesystem::path& file,
                     YamlAliases* aliases) {
  std::stringstream in(text);
  YAML::Parser parser(in);
  StructureCheck check(file, aliases);
  if (!parser.HandleNextDocument(check)) return;
  DocumentStart second;
  if (parser.HandleNextDocument(second))
    throw ConfigError({file, second.line, 1},
                      "a second YAML document (after ---); a suite or profile is one document");
}

}  // namespace

ConfigError YamlAliases::annotated(const ConfigError& error) const {
  const std::size_t line = error.where().line;
  std::string note;
  for (const auto& a : anchors) {
    if (a.alias_lines.empty() || line < a.first_line || line > a.last_line) continue;
    std::string lines;
    for (const auto l : a.alias_lines) lines += (lines.empty() ? "" : ", ") + std::to_string(l);
    note += "; this text is also used through the alias *" + a.name + " at line" +
            (a.alias_lines.size() > 1 ? "s " : " ") + lines;
  }
  if (note.empty()) return error;
  return ConfigError(error.where(), error.problem() + note);
}

YAML::Node load_yaml_file(const std::filesystem::path& file, YamlAliases* aliases) {
  std::ifstream in(file);
  if (!in) throw ConfigError({file, 0, 0}, "cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  try {
    check_structure(text.str(), file, aliases);
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

SourceLocation yaml_location(const YAML::Exception& e, const std::filesystem::path& file) {
  if (e.mark.is_null()) return {file, 0, 0};
  return {file, static_cast<std::size_t>(e.mark.line + 1),
          static_cast<std::size_t>(e.mark.column + 1)};
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

void check_regex(const YAML::Node& node, const std::string& pattern,
                 const std::filesystem::path& file) {
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 re(pattern, options);
  if (!re.ok()) fail_at(node, file, "invalid regular expression '" + pattern + "': " + re.error());
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
    // Bounded, so that a deadline of now + a duration can never overflow the clock.
    if (ms > static_cast<double>(kMaxDuration.count()))
      fail_at(node, file, "expected a duration of at most 24h, found '" + s + "'");
    if (ms >= 0) return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
  }
  fail_at(node, file, "expected a duration such as 250ms, 30s, 5m or 1h, found '" + s + "'");
}

std::uint64_t as_bytes(const YAML::Node& node, const std::filesystem::path& file) {
  const std::string s = as_string(node, file);
  double number = 0;
  std::string unit;
  if (split_number(s, number, unit)) {
    double bytes = -1;
    if (unit.empty() || unit == "M" || unit == "MiB") bytes = number * 1024 * 1024;
    if (unit == "G" || unit == "GiB") bytes = number * 1024 * 1024 * 1024;
    if (unit == "K" || unit == "KiB") bytes = number * 1024;
    if (bytes > static_cast<double>(kMaxMebibytes) * 1024 * 1024)
      fail_at(node, file, "expected a size of at most 1T, found '" + s + "'");
    if (bytes >= 0) return static_cast<std::uint64_t>(bytes);
  }
  fail_at(node, file, "expected a size such as 64K, 512M or 2G, found '" + s + "'");
}

std::uint64_t as_mebibytes(const YAML::Node& node, const std::filesystem::path& file) {
  return as_bytes(node, file) / (1024 * 1024);
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
    fail_at(node_, file_, "expected " + what_ + " (a mapping), found " + kind_of(node_, false));
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
  std::string allowed;
  for (const auto& k : asked_) allowed += (allowed.empty() ? "" : ", ") + k;
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (asked_.count(key) != 0) continue;
    // Quoted only when it reads as a name (a typo): a file that is not what it was given as
    // (`hurdle validate /etc/shadow`) must not have its content printed.
    static const RE2 kNameLike(R"([A-Za-z0-9_.-]{1,64})");
    const std::string shown =
        RE2::FullMatch(key, kNameLike) ? "'" + key + "'" : "(not shown: not a name)";
    fail_at(entry.first, file_,
            "unknown key " + shown + " in " + what_ + "; expected one of: " + allowed);
  }
}

}  // namespace hurdle
