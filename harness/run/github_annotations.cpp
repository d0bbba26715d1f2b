#include "run/github_annotations.hpp"

#include <cstdlib>

#include "core/safe_text.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

// The runner's escapes: '%', CR and LF in a message; ':' and ',' too in a property.
std::string escaped(const std::string& text, bool property) {
  std::string out;
  for (const char c : safe_text(text)) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      case ':':
        out += property ? "%3A" : ":";
        break;
      case ',':
        out += property ? "%2C" : ",";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> github_annotation(const std::string& suite, const Scenario& scenario,
                                             const ScenarioResult& r, const fs::path& workspace) {
  std::string level;
  std::string what;
  switch (r.status) {
    case Verdict::kPassed:
    case Verdict::kSkipped:
      return std::nullopt;
    case Verdict::kFlaky:
      level = "warning";
      what = "passed only on attempt " + std::to_string(r.attempts);
      break;
    case Verdict::kFailed:
      level = "error";
      what = "failed";
      break;
    case Verdict::kError:
      level = "error";
      what = "error (" + r.error_kind + ")";
      break;
  }
  fs::path file = r.where.file.empty() ? scenario.where.file : r.where.file;
  std::size_t line = r.where.file.empty() ? scenario.where.line : r.where.line;
  if (!workspace.empty()) {
    const fs::path absolute = fs::absolute(file).lexically_normal();
    const fs::path relative =
        absolute.lexically_relative(fs::absolute(workspace).lexically_normal());
    if (!relative.empty() && *relative.begin() != "..") file = relative;
  }
  std::string command = "::" + level + " file=" + escaped(file.string(), true);
  if (line > 0) command += ",line=" + std::to_string(line);
  command += ",title=" + escaped(suite + "." + scenario.name + " " + what, true) + "::";
  command += escaped(r.status == Verdict::kFlaky ? what : r.message, false);
  return command;
}

void GithubAnnotations::scenario_finished(const Suite& suite, const Scenario& scenario,
                                          const ScenarioResult& result) {
  auto command = github_annotation(suite.name, scenario, result, workspace_);
  if (!command) return;
  if (!deferred_) {
    out_ << *command << std::endl;
    return;
  }
  std::lock_guard lock(mutex_);
  kept_[suite.name + "." + scenario.name] = *command;
}

void GithubAnnotations::print_new_failures(const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  for (const auto& id : ids) {
    // The scenario itself, or the longest SUITE.SCENARIO that starts the imported test's id.
    auto it = kept_.end();
    for (auto k = kept_.begin(); k != kept_.end(); ++k)
      if ((id == k->first || id.rfind(k->first + ".", 0) == 0) &&
          (it == kept_.end() || k->first.size() > it->first.size()))
        it = k;
    if (it == kept_.end()) continue;
    out_ << it->second << std::endl;
    kept_.erase(it);
  }
}

std::optional<std::filesystem::path> github_workspace() {
  const char* gha = std::getenv("GITHUB_ACTIONS");
  if (gha == nullptr || std::string(gha) != "true") return std::nullopt;
  const char* checkout = std::getenv("GITHUB_WORKSPACE");
  return checkout != nullptr ? std::filesystem::path(checkout) : std::filesystem::path();
}

}  // namespace hurdle
