#include "suite/steps/transfer_steps.hpp"

#include <algorithm>
#include <filesystem>

#include "config/yaml_reader.hpp"
#include "core/digest.hpp"
#include "core/symlink_on_the_way.hpp"
#include "ssh/ssh_session.hpp"
#include "suite/step.hpp"
#include "suite/step_executor.hpp"
#include "suite/step_names.hpp"
#include "suite/step_reader.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

// A relative path is the suite file's neighbour, wherever hurdle runs from.
fs::path local_path(const Step& step, const std::string& local) {
  fs::path path = local;
  if (path.is_relative()) path = step.where.file.parent_path() / path;
  return path;
}

// What an ssh.put sends: a file's sha256, or a folder's names, link targets and contents.
nlohmann::json local_contents(const fs::path& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return file_digest(path, DigestAlgorithm::kSha256).hex;
  if (!fs::is_directory(path, ec)) return "missing";
  std::vector<std::pair<std::string, std::string>> entries;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path rel = it->path().lexically_relative(path);
    if (it->is_symlink(ec))
      entries.emplace_back(rel.string(), "-> " + fs::read_symlink(it->path(), ec).string());
    else if (it->is_regular_file(ec))
      entries.emplace_back(rel.string(), file_digest(it->path(), DigestAlgorithm::kSha256).hex);
    else
      entries.emplace_back(rel.string(), "dir");
  }
  std::sort(entries.begin(), entries.end());
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [name, what] : entries) j.push_back(name + " " + what);
  return j;
}

// Both steps: {local, remote} is required.
void read_ends(StepReader& r, std::string& local, std::string& remote) {
  MappingReader& m = r.require_mapping("{local, remote}");
  local = r.state().text(m.require("local"));
  remote = r.state().text(m.require("remote"));
}

}  // namespace

SshPut SshPut::read(StepReader& r) {
  SshPut s;
  read_ends(r, s.local, s.remote);
  const YAML::Node local = r.get("local");
  if (r.has("exclude")) {
    for (const auto& pattern : r.get("exclude")) (void)r.state().text(pattern);
    s.exclude = as_string_list(r.get("exclude"), r.file());
  }
  if (!r.state().uses_captured(s.local)) {
    // The run would fail at this step otherwise, after the boot.
    fs::path file = r.state().expanded(local, s.local, "");
    if (file.is_relative()) file = fs::absolute(r.file()).parent_path() / file;
    std::error_code ec;
    const bool folder = fs::is_directory(file, ec);
    if (!folder && !fs::is_regular_file(file, ec))
      r.fail(local, "no such file or folder to put: " + file.string());
    if (!folder && !s.exclude.empty())
      r.fail(r.get("exclude"), "exclude is for a folder, and " + file.string() + " is a file");
  }
  r.read_timeout();
  return s;
}
void SshPut::expand(const TextExpander& expand) {
  expand(local);
  expand(remote);
}
std::string SshPut::describe(const Step& step) const {
  return described(step, local + " -> " + remote);
}
nlohmann::json SshPut::inputs(const Step& step) const {
  return {{"local", local},
          {"remote", remote},
          {"exclude", exclude},
          {"local_contents", local_contents(local_path(step, local))}};
}
void SshPut::run(const Step& step, StepExecutor& x) const {
  x.machine().put(local_path(step, local), remote, x.timeout_of(step), exclude);
}

SshGet SshGet::read(StepReader& r) {
  SshGet s;
  read_ends(r, s.local, s.remote);
  if (r.has("max_size")) s.max_bytes = as_bytes(r.get("max_size"), r.file());
  const YAML::Node local = r.get("local");
  if (!r.state().uses_captured(s.local)) {
    if (auto problem = report_file_problem(r.state().expanded(local, s.local, "")))
      r.fail(local, *problem);
  }
  r.read_timeout();
  return s;
}
void SshGet::expand(const TextExpander& expand) {
  expand(local);
  expand(remote);
}
std::string SshGet::describe(const Step& step) const {
  return described(step, remote + " -> " + local);
}
nlohmann::json SshGet::inputs(const Step&) const {
  return {{"local", local},
          {"remote", remote},
          {"max_bytes", max_bytes ? static_cast<std::int64_t>(*max_bytes) : -1}};
}
void SshGet::run(const Step& step, StepExecutor& x) const {
  // Checked again here: a captured value is only known now.
  if (auto problem = report_file_problem(local))
    throw StepFailed(step, "a file inside the scenario's report folder", *problem);
  const fs::path file = x.files() / local;
  // An earlier ssh.get may have brought back a link among the folders: never written through.
  if (const auto link = symlink_on_the_way(x.files(), fs::path(local).lexically_normal()))
    throw StepFailed(step, "a file inside the scenario's report folder",
                     link->string() +
                         " is a symbolic link (from the guest); nothing is written "
                         "through it");
  fs::create_directories(file.parent_path());
  x.machine().get(remote, file, x.timeout_of(step),
                  max_bytes.value_or(SshSession::kDefaultGetLimit));
}

}  // namespace hurdle
