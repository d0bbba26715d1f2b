#include "run/exec_suite.hpp"

#include <cstdlib>

#include <yaml-cpp/yaml.h>

#include <re2/re2.h>

#include "config/variables.hpp"
#include "config/yaml_reader.hpp"
#include "core/error.hpp"
#include "core/shell_quote.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

ConfigError bad(const ExecRequest& r, const std::string& option, const std::string& problem) {
  return ConfigError({}, r.who + ": " + option + ": " + problem);
}

// A path under the synced folder, relative, without `..`: what may come back or be read.
std::string inside_sync(const ExecRequest& r, const std::string& option, const std::string& path) {
  if (r.sync.empty())
    throw bad(r, option, "needs a synced folder (--sync, or the current folder by default)");
  const fs::path p = normal_relative(path);
  if (path.empty() || p.is_absolute() || p.empty() || *p.begin() == ".." || p == ".")
    throw bad(r, option,
              "expected a path inside the synced folder, relative to it, without "
              "'..', found '" +
                  path + "'");
  return p.generic_string();
}

void check(const ExecRequest& r) {
  if (r.command.empty()) throw bad(r, "COMMAND", "expected a command after --");
  if (!r.sync.empty() && !r.sync.is_absolute())
    throw bad(r, "--sync", "expected an absolute folder, found '" + r.sync.string() + "'");
  try {
    (void)as_duration(YAML::Node(r.timeout), "--timeout");
  } catch (const std::exception& e) {
    throw bad(r, "--timeout",
              "expected a duration such as 90s, 30m or 2h, found '" + r.timeout + "'");
  }
  for (const auto& name : r.env)
    if (!RE2::FullMatch(name, "[A-Za-z_][A-Za-z0-9_]*"))
      throw bad(r, "--env",
                "expected a variable name (letters, digits and _), found '" + name + "'");
}

void emit_results(YAML::Emitter& y, const ExecRequest& r) {
  for (const auto& spec : r.results) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0)
      throw bad(
          r, "--results",
          "expected FORMAT:PATH (automake, tap, junit, dejagnu or glibc), found '" + spec + "'");
    const std::string format = spec.substr(0, colon);
    if (format != "automake" && format != "tap" && format != "junit")
      throw bad(
          r, "--results",
          "expected the format automake, tap, junit, dejagnu or glibc, found '" + format + "'");
    const std::string path = inside_sync(r, "--results", spec.substr(colon + 1));
    y << YAML::BeginMap << YAML::Key << "results.import" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "format" << YAML::Value << format;
    y << YAML::Key << "remote" << YAML::Value << YAML::DoubleQuoted
      << literal_text((r.sync / path).generic_string());
    y << YAML::Key << "always" << YAML::Value << true;
    y << YAML::EndMap << YAML::EndMap;
  }
}

}  // namespace

fs::path normal_relative(const std::string& path) {
  fs::path p = fs::path(path).lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();  // "build/" as "build"
  return p;
}

std::string guest_command_line(const ExecRequest& r,
                               const std::function<std::string(const std::string&)>& text,
                               const std::function<std::string(const std::string&)>& value) {
  std::string line;
  // A quoted here-document: the shell takes its lines as they are (no $, `, \ or quotes
  // parsed); the command substitution drops the newline the document ends with.
  for (const auto& name : r.env)
    line += name + text("=$(cat <<'") + kEnvValueEnd + "'\n" + value(name) + "\n" + kEnvValueEnd +
            "\n) && export " + name + " && ";
  if (!r.sync.empty()) line += "cd " + text(shell_quote(r.sync.string())) + " && ";
  line += "exec";
  for (const auto& arg : r.command) line += " " + text(shell_quote(arg));
  return line;
}

std::string exec_command_line(const ExecRequest& r) {
  return guest_command_line(
      r, [](const std::string& t) { return literal_text(t); },
      [](const std::string& name) { return "${secret:" + name + "}"; });
}

void check_exec_environment(const ExecRequest& r) {
  const std::string& who = r.who;
  for (const auto& name : r.env) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr)
      throw ConfigError({}, who + ": --env " + name + ": the variable is not set");
    const std::string v = value;
    const std::string end = kEnvValueEnd;
    if (v == end || v.starts_with(end + "\n") || v.ends_with("\n" + end) ||
        v.find("\n" + end + "\n") != std::string::npos)
      throw ConfigError({}, who + ": --env " + name + ": its value has a line " + end +
                                ", which ends the value in the guest");
  }
}

std::string exec_suite_yaml(const ExecRequest& r) {
  check(r);
  YAML::Emitter y;
  y << YAML::Comment("written by hurdle exec; `hurdle run` runs it as it is");
  y << YAML::BeginMap;
  y << YAML::Key << "suite" << YAML::Value << kExecSuite;
  y << YAML::Key << "machine" << YAML::Value << YAML::DoubleQuoted << literal_text(r.machine);
  if (!r.image.empty()) y << YAML::Key << "image" << YAML::Value << YAML::DoubleQuoted << r.image;
  if (!r.prepare.empty()) {
    y << YAML::Key << "boot" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "provision" << YAML::Value << YAML::BeginSeq;
    for (const auto& command : r.prepare) {
      y << YAML::BeginMap << YAML::Key << "ssh.succeed" << YAML::Value << YAML::BeginMap;
      y << YAML::Key << "command" << YAML::Value << YAML::DoubleQuoted << literal_text(command);
      y << YAML::Key << "live" << YAML::Value << true;
      y << YAML::EndMap << YAML::EndMap;
    }
    y << YAML::EndSeq << YAML::EndMap;
  }
  y << YAML::Key << "defaults" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "reset" << YAML::Value << "clone";
  y << YAML::EndMap;
  y << YAML::Key << "scenarios" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  y << YAML::Key << "name" << YAML::Value << kExecScenario;
  y << YAML::Key << "steps" << YAML::Value << YAML::BeginSeq;
  if (!r.sync.empty()) {
    y << YAML::BeginMap << YAML::Key << "ssh.put" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "local" << YAML::Value << YAML::DoubleQuoted << literal_text(r.sync.string());
    y << YAML::Key << "remote" << YAML::Value << YAML::DoubleQuoted
      << literal_text(r.sync.string());
    std::vector<std::string> exclude = r.exclude;
    if (!r.sync_git) exclude.insert(exclude.begin(), ".git");
    if (!exclude.empty()) {
      y << YAML::Key << "exclude" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& e : exclude) y << YAML::DoubleQuoted << literal_text(e);
      y << YAML::EndSeq;
    }
    y << YAML::EndMap << YAML::EndMap;
  }
  y << YAML::BeginMap << YAML::Key << "ssh.succeed" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "command" << YAML::Value << YAML::DoubleQuoted << exec_command_line(r);
  y << YAML::Key << "live" << YAML::Value << true;
  y << YAML::Key << "timeout" << YAML::Value << YAML::DoubleQuoted << literal_text(r.timeout);
  y << YAML::EndMap << YAML::EndMap;
  for (const auto& path : r.copy_back) {
    const std::string inside = inside_sync(r, "--copy-back", path);
    y << YAML::BeginMap << YAML::Key << "ssh.get" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "remote" << YAML::Value << YAML::DoubleQuoted
      << literal_text((r.sync / inside).generic_string());
    y << YAML::Key << "local" << YAML::Value << YAML::DoubleQuoted
      << literal_text(std::string(kCopyBackFolder) + "/" + inside);
    y << YAML::Key << "always" << YAML::Value << true;
    y << YAML::EndMap << YAML::EndMap;
  }
  emit_results(y, r);
  y << YAML::EndSeq << YAML::EndMap << YAML::EndSeq;
  y << YAML::EndMap;
  if (!y.good()) throw bad(r, "the suite", y.GetLastError());
  return std::string(y.c_str()) + "\n";
}

}  // namespace hurdle
