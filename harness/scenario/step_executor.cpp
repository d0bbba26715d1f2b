#include "scenario/step_executor.hpp"

#include <re2/re2.h>

namespace hurdle {

namespace fs = std::filesystem;

namespace {

std::string shown(const std::string& text) {
  constexpr std::size_t kMax = 1024;
  std::string s = text.size() <= kMax ? text : "..." + text.substr(text.size() - kMax);
  std::string quoted = "\"";
  for (const char c : s) {
    if (c == '\n')
      quoted += "\\n";
    else if (c == '"')
      quoted += "\\\"";
    else
      quoted += c;
  }
  return quoted + "\"";
}

// Whether `reply` contains everything in `expect` (objects by key, arrays and scalars equal).
bool contains(const nlohmann::json& reply, const nlohmann::json& expect) {
  if (expect.is_object()) {
    if (!reply.is_object()) return false;
    for (const auto& [key, value] : expect.items()) {
      if (!reply.contains(key) || !contains(reply.at(key), value)) return false;
    }
    return true;
  }
  return reply == expect;
}

}  // namespace

StepFailed::StepFailed(const Step& step, const std::string& expected, const std::string& got)
    : Error(step.where.str() + ": " + step.describe() + ": expected " + expected + ", got " + got),
      expected_(expected),
      got_(got) {}

StepExecutor::StepExecutor(Machine& machine, Variables variables, fs::path files,
                           std::chrono::milliseconds default_timeout)
    : machine_(machine),
      variables_(std::move(variables)),
      files_(std::move(files)),
      default_timeout_(default_timeout) {}

std::string StepExecutor::expand(const std::string& text, const Step& step) const {
  return expand_variables(text, variables_, step.where);
}

std::chrono::milliseconds StepExecutor::timeout_of(const Step& step) const {
  return step.timeout.value_or(default_timeout_);
}

void StepExecutor::capture(const std::string& pattern, const std::string& text) {
  const RE2 re(pattern);
  const int n = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(n) + 1);
  if (!re.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), n + 1)) return;
  for (const auto& [name, index] : re.NamedCapturingGroups())
    variables_[name] = std::string(groups[static_cast<std::size_t>(index)]);
}

void StepExecutor::run(const Step& step) {
  const auto timeout = timeout_of(step);
  switch (step.kind) {
    case StepKind::kConsoleSend:
      if (step.raw)
        machine_.console().send(expand(step.text, step));
      else
        machine_.console().sendline(expand(step.text, step));
      return;
    case StepKind::kConsoleExpect: {
      std::vector<std::string> patterns;
      for (const auto& p : step.patterns) patterns.push_back(expand(p, step));
      const ExpectMatch m = machine_.console().expect(patterns, timeout);
      capture(patterns[m.index], m.text);
      return;
    }
    case StepKind::kConsoleLogin:
      machine_.login(step.user ? std::optional(expand(*step.user, step)) : std::nullopt,
                     step.password ? std::optional(expand(*step.password, step)) : std::nullopt);
      return;
    case StepKind::kSshRun: {
      const CommandResult r = machine_.run(expand(step.text, step), timeout);
      if (r.exit_status != step.exit_status) {
        throw StepFailed(step, "exit status " + std::to_string(step.exit_status),
                         r.signal.empty()
                             ? "exit status " + std::to_string(r.exit_status) + " (stdout " +
                                   shown(r.out) + ", stderr " + shown(r.err) + ")"
                             : "signal " + r.signal);
      }
      const auto check = [&](const std::optional<std::string>& equals,
                             const std::optional<std::string>& matches, const std::string& got,
                             const char* stream) {
        if (equals) {
          const std::string want = expand(*equals, step);
          if (got != want)
            throw StepFailed(step, std::string(stream) + " " + shown(want), shown(got));
        }
        if (matches) {
          const std::string pattern = expand(*matches, step);
          if (!RE2::PartialMatch(got, RE2(pattern)))
            throw StepFailed(step, std::string(stream) + " matching '" + pattern + "'", shown(got));
          capture(pattern, got);
        }
      };
      check(step.stdout_equals, step.stdout_matches, r.out, "stdout");
      check(step.stderr_equals, step.stderr_matches, r.err, "stderr");
      return;
    }
    case StepKind::kSshPut:
      machine_.put(expand(step.local, step), expand(step.remote, step), timeout);
      return;
    case StepKind::kSshGet: {
      fs::path local = expand(step.local, step);
      if (local.is_relative()) local = files_ / local;
      fs::create_directories(local.parent_path());
      machine_.get(expand(step.remote, step), local, timeout);
      return;
    }
    case StepKind::kWaitUntil:
      machine_.wait_until_succeeds(expand(step.text, step), timeout);
      return;
    case StepKind::kReboot:
      machine_.reboot(step.hard);
      return;
    case StepKind::kSnapshotSave:
      machine_.snapshot(expand(step.text, step));
      return;
    case StepKind::kSnapshotRestore:
      machine_.restore(expand(step.text, step));
      return;
    case StepKind::kQmp: {
      const auto reply = machine_.qmp().execute(expand(step.text, step), step.arguments, timeout);
      if (step.expect && !contains(reply, *step.expect))
        throw StepFailed(step, "a reply containing " + step.expect->dump(), reply.dump());
      return;
    }
    case StepKind::kExpectPanic: {
      const WatcherHit hit = machine_.console().wait_for_watcher(timeout);
      variables_["panic_line"] = hit.line;
      return;
    }
    case StepKind::kScreenshot:
      machine_.screenshot(files_ / (expand(step.text, step) + ".png"));
      return;
  }
}

}  // namespace hurdle
