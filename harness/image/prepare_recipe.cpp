#include "image/prepare_recipe.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <iterator>

#include "config/yaml_reader.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

constexpr const char* kKinds[] = {"edit", "write", "mkdir"};

const char* kind_name(PrepareStep::Kind kind) {
  switch (kind) {
    case PrepareStep::Kind::kWrite:
      return "write";
    case PrepareStep::Kind::kMkdir:
      return "mkdir";
    case PrepareStep::Kind::kEdit:
      break;
  }
  return "edit";
}

// Checks the ${...} in `text` against the recipe variables (values are not known yet).
std::string checked_text(const YAML::Node& node, const fs::path& file) {
  const std::string text = as_string(node, file);
  (void)expand_variables(text, recipe_placeholders(), location_of(node, file));
  return text;
}

std::string checked_path(const YAML::Node& node, const fs::path& file) {
  const std::string path = as_string(node, file);
  if (path.empty() || path.front() != '/')
    fail_at(node, file, "expected an absolute path inside the image, found '" + path + "'");
  for (std::size_t i = 0; i < path.size();) {
    const auto slash = path.find('/', i + 1);
    const std::string part =
        path.substr(i + 1, slash == std::string::npos ? std::string::npos : slash - i - 1);
    if (part == "..")
      fail_at(node, file, "'..' is not allowed in a path inside the image: '" + path + "'");
    if (slash == std::string::npos) break;
    i = slash;
  }
  return path;
}

unsigned read_mode(const YAML::Node& node, const fs::path& file) {
  const std::string text = as_string(node, file);
  unsigned mode = 0;
  if (text.empty() || text.size() > 5) fail_at(node, file, "expected a mode such as '0644'");
  for (const char c : text) {
    if (c < '0' || c > '7')
      fail_at(node, file, "expected an octal mode such as '0644', found '" + text + "'");
    mode = mode * 8 + static_cast<unsigned>(c - '0');
  }
  if (mode > 07777) fail_at(node, file, "expected a mode of at most 07777, found '" + text + "'");
  return mode;
}

void read_owner(const YAML::Node& node, const fs::path& file, Ext2Attributes& a) {
  const std::string text = as_string(node, file);
  const auto colon = text.find(':');
  const auto number = [&](const std::string& part) -> std::uint32_t {
    if (part.empty() || part.size() > 10 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      fail_at(node, file,
              "expected owner as UID:GID in numbers, such as '0:0', found '" + text + "'");
    const unsigned long long v = std::stoull(part);
    if (v > 0xffffffffull) fail_at(node, file, "a user or group id above 4294967295");
    return static_cast<std::uint32_t>(v);
  };
  if (colon == std::string::npos)
    fail_at(node, file,
            "expected owner as UID:GID in numbers, such as '0:0', found '" + text + "'");
  a.uid = number(text.substr(0, colon));
  a.gid = number(text.substr(colon + 1));
}

std::string mode_text(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

// Splits text into lines that keep their '\n'.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    const auto end = nl == std::string::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

std::string edit_text(const PrepareStep& step, const std::string& original, std::string& summary) {
  std::string text;
  int changed = 0;
  if (step.lines) {
    const RE2 matching(step.lines->matching);
    const RE2 unless(step.lines->unless.empty() ? "(?!)" : step.lines->unless);
    int matched = 0;
    for (std::string line : split_lines(original)) {
      const bool newline = !line.empty() && line.back() == '\n';
      if (newline) line.pop_back();
      if (RE2::PartialMatch(line, matching)) {
        ++matched;
        if (!RE2::PartialMatch(line, unless)) {
          line += step.lines->append;
          ++changed;
        }
      }
      text += line + (newline ? "\n" : "");
    }
    if (matched == 0)
      throw ImageError(step.path + " has no line matching '" + step.lines->matching +
                       "': the recipe does not fit this image");
    summary +=
        std::to_string(changed) + " of " + std::to_string(matched) + " matching line(s) changed";
  } else {
    text = original;
  }
  if (!step.prepend.empty()) {
    text.insert(0, step.prepend);
    summary += std::string(summary.empty() ? "" : ", ") + "text put before";
  }
  if (!step.append.empty()) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += step.append;
    summary += std::string(summary.empty() ? "" : ", ") + "text added at the end";
  }
  return text;
}

}  // namespace

const std::vector<std::string>& recipe_variable_names() {
  static const std::vector<std::string> kNames = {"hurdle_ssh_public_key"};
  return kNames;
}

Variables recipe_placeholders() {
  Variables placeholders;
  for (const auto& name : recipe_variable_names()) placeholders.emplace(name, "x");
  return placeholders;
}

std::string PrepareStep::describe() const {
  std::string where_text = where.str();
  std::string from = recipe.empty() ? where_text : "recipe " + recipe + ", " + where_text;
  return std::string(kind_name(kind)) + " " + path + " (" + from + ")";
}

PrepareStep read_prepare_step(const YAML::Node& node, const fs::path& file,
                              const std::string& recipe) {
  std::string keys;
  for (const char* k : kKinds) keys += (keys.empty() ? "" : ", ") + std::string(k);
  if (!node.IsMap() || node.size() != 1)
    fail_at(node, file, "expected a preparation step: a mapping with one key (" + keys + ")");
  const auto entry = *node.begin();
  const std::string kind = entry.first.Scalar();
  PrepareStep s;
  s.where = location_of(entry.first, file);
  s.recipe = recipe;
  if (std::find(std::begin(kKinds), std::end(kKinds), kind) == std::end(kKinds))
    fail_at(entry.first, file, "unknown preparation step '" + kind + "'; expected one of " + keys);
  if (!entry.second.IsMap())
    fail_at(entry.second, file, "expected the " + kind + " step as a mapping");
  MappingReader m(entry.second, file, "the " + kind + " step");
  if (kind == "edit") {
    s.kind = PrepareStep::Kind::kEdit;
    s.path = checked_path(m.require("file"), file);
    if (m.has("prepend")) s.prepend = checked_text(m.get("prepend"), file);
    if (m.has("append")) s.append = checked_text(m.get("append"), file);
    if (m.has("lines")) {
      MappingReader l(m.get("lines"), file, "the lines edit");
      LineEdit e;
      e.matching = as_string(l.require("matching"), file);
      check_regex(l.get("matching"), e.matching, file);
      e.append = checked_text(l.require("append"), file);
      if (l.has("unless")) {
        e.unless = as_string(l.get("unless"), file);
        check_regex(l.get("unless"), e.unless, file);
      }
      l.finish();
      s.lines = e;
    }
    if (!s.lines && s.prepend.empty() && s.append.empty())
      fail_at(entry.second, file, "an edit needs append, prepend or lines");
  } else if (kind == "write") {
    s.kind = PrepareStep::Kind::kWrite;
    s.path = checked_path(m.require("file"), file);
    s.content = checked_text(m.require("content"), file);
    s.attributes.mode = 0644;
  } else {
    s.kind = PrepareStep::Kind::kMkdir;
    s.path = checked_path(m.require("path"), file);
    s.attributes.mode = 0755;
  }
  if (s.kind != PrepareStep::Kind::kEdit) {
    if (m.has("mode")) s.attributes.mode = read_mode(m.get("mode"), file);
    if (m.has("owner")) read_owner(m.get("owner"), file, s.attributes);
  }
  m.finish();
  return s;
}

std::vector<PrepareStep> resolve_recipe(const std::vector<PrepareStep>& steps,
                                        const Variables& variables) {
  std::vector<PrepareStep> out = steps;
  for (auto& s : out) {
    s.prepend = expand_variables(s.prepend, variables, s.where);
    s.append = expand_variables(s.append, variables, s.where);
    s.content = expand_variables(s.content, variables, s.where);
    if (s.lines) s.lines->append = expand_variables(s.lines->append, variables, s.where);
  }
  return out;
}

nlohmann::json recipe_json(const std::vector<PrepareStep>& resolved) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : resolved) {
    nlohmann::json j = {{"step", kind_name(s.kind)}, {"path", s.path}};
    if (s.kind == PrepareStep::Kind::kEdit) {
      j["prepend"] = s.prepend;
      j["append"] = s.append;
      if (s.lines)
        j["lines"] = {{"matching", s.lines->matching},
                      {"append", s.lines->append},
                      {"unless", s.lines->unless}};
    } else {
      if (s.kind == PrepareStep::Kind::kWrite) j["content"] = s.content;
      j["mode"] = mode_text(s.attributes.mode);
      j["owner"] = std::to_string(s.attributes.uid) + ":" + std::to_string(s.attributes.gid);
    }
    steps.push_back(std::move(j));
  }
  return steps;
}

Digest recipe_digest(const std::vector<PrepareStep>& resolved) {
  return text_digest(recipe_json(resolved).dump());
}

PrepareReport apply_recipe(Ext2Filesystem& fs, const std::vector<PrepareStep>& resolved) {
  PrepareReport report;
  for (const auto& s : resolved) {
    try {
      switch (s.kind) {
        case PrepareStep::Kind::kEdit: {
          const auto st = fs.status(s.path);
          if (!st) throw ImageError("no file " + s.path + " to edit in the image");
          std::string summary;
          const std::string text = edit_text(s, fs.read_file(s.path), summary);
          fs.write_file(s.path, text, {st->mode, st->uid, st->gid});
          report.done.push_back("edited " + s.path + ": " + summary);
          break;
        }
        case PrepareStep::Kind::kWrite:
          fs.write_file(s.path, s.content, s.attributes);
          report.done.push_back("wrote " + s.path + " (" + std::to_string(s.content.size()) +
                                " bytes, mode " + mode_text(s.attributes.mode) + ")");
          break;
        case PrepareStep::Kind::kMkdir: {
          std::string prefix;
          std::size_t start = 1;
          while (start <= s.path.size()) {
            const auto slash = s.path.find('/', start);
            prefix = s.path.substr(0, slash);
            if (prefix.size() > 1) fs.make_directory(prefix, s.attributes);
            if (slash == std::string::npos) break;
            start = slash + 1;
          }
          report.done.push_back("made " + s.path);
          break;
        }
      }
    } catch (const ImageError& e) {
      throw ImageError(s.describe() + ": " + e.what());
    }
  }
  return report;
}

}  // namespace hurdle
