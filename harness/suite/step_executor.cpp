#include "suite/step_executor.hpp"

#include <re2/re2.h>

#include "console/console_command.hpp"
#include "core/safe_text.hpp"
#include "qemu/qemu_command.hpp"
#include "results/result_import.hpp"
#include "suite/step_names.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

std::string shown(const std::string& text) {
  constexpr std::size_t kMax = 1024;
  // The end of a long output, cut on a character boundary; the writers make the rest safe.
  std::string s = text.size() <= kMax ? text : "..." + std::string(utf8_tail(text, kMax));
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

Step StepExecutor::expanded(const Step& step) const {
  const auto expand = [&](std::string& text) {
    text = expand_variables(text, variables_, step.where);
  };
  const auto expand_optional = [&](std::optional<std::string>& text) {
    if (text) expand(*text);
  };
  Step s = step;
  expand(s.text);
  for (auto& p : s.patterns) expand(p);
  expand_optional(s.stdout_equals);
  expand_optional(s.stdout_matches);
  expand_optional(s.stderr_equals);
  expand_optional(s.stderr_matches);
  expand_optional(s.user);
  expand_optional(s.password);
  expand(s.local);
  expand(s.remote);
  if (!s.timeout) s.timeout = default_timeout_;
  return s;
}

void StepExecutor::capture(const std::string& pattern, const std::string& text) {
  const RE2 re(pattern);
  const int n = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(n) + 1);
  if (!re.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), n + 1)) return;
  for (const auto& [name, index] : re.NamedCapturingGroups())
    variables_[name] = std::string(groups[static_cast<std::size_t>(index)]);
}

void StepExecutor::check_command(const Step& step, int exit_status, const std::string& signal,
                                 const std::string& out, const std::string& err) {
  const bool console = step.kind == StepKind::kConsoleRun;
  if (!signal.empty())
    throw StepFailed(step, "exit status " + std::to_string(step.exit_status), "signal " + signal);
  if (exit_status != step.exit_status) {
    throw StepFailed(step, "exit status " + std::to_string(step.exit_status),
                     "exit status " + std::to_string(exit_status) +
                         (console ? " (output " + shown(out) + ")"
                                  : " (stdout " + shown(out) + ", stderr " + shown(err) + ")"));
  }
  const auto check = [&](const std::optional<std::string>& equals,
                         const std::optional<std::string>& matches, const std::string& got,
                         const char* stream) {
    if (equals && got != *equals)
      throw StepFailed(step, std::string(stream) + " " + shown(*equals), shown(got));
    if (matches) {
      if (!RE2::PartialMatch(got, RE2(*matches)))
        throw StepFailed(step, std::string(stream) + " matching '" + *matches + "'", shown(got));
      capture(*matches, got);
    }
  };
  check(step.stdout_equals, step.stdout_matches, out, console ? "output" : "stdout");
  check(step.stderr_equals, step.stderr_matches, err, "stderr");
}

void StepExecutor::run(const Step& written) {
  // Expanded once, so that a failure shows what ran (the command with its values).
  const Step step = expanded(written);
  const auto timeout = *step.timeout;
  switch (step.kind) {
    case StepKind::kConsoleSend:
      if (step.raw)
        machine_.console().send(step.text);
      else
        machine_.console().sendline(step.text);
      return;
    case StepKind::kConsoleExpect: {
      const ExpectMatch m = machine_.console().expect(step.patterns, timeout);
      capture(step.patterns[m.index], m.text);
      return;
    }
    case StepKind::kConsoleLogin:
      machine_.login(step.user, step.password);
      return;
    case StepKind::kSshRun: {
      const CommandResult r = machine_.run(step.text, timeout);
      check_command(step, r.exit_status, r.signal, r.out, r.err);
      return;
    }
    case StepKind::kConsoleRun: {
      const ConsoleCommandResult r = run_on_console(machine_.console(), step.text, timeout);
      check_command(step, r.exit_status, "", r.output, "");
      return;
    }
    case StepKind::kSshPut: {
      // A relative path is the suite file's neighbour, wherever hurdle runs from.
      fs::path local = step.local;
      if (local.is_relative()) local = step.where.file.parent_path() / local;
      machine_.put(local, step.remote, timeout, step.exclude);
      return;
    }
    case StepKind::kSshGet: {
      // Checked again here: a captured value is only known now.
      if (auto problem = report_file_problem(step.local))
        throw StepFailed(step, "a file inside the scenario's report folder", *problem);
      const fs::path local = files_ / step.local;
      fs::create_directories(local.parent_path());
      machine_.get(step.remote, local, timeout,
                   step.max_bytes.value_or(SshSession::kDefaultGetLimit));
      return;
    }
    case StepKind::kWaitUntil:
      machine_.wait_until_succeeds(step.text, timeout, step.interval);
      return;
    case StepKind::kReboot:
      machine_.reboot(step.hard);
      return;
    // Unless the step gives one, the profile's time-outs: a boot is not a step.
    case StepKind::kPowerOff:
      (void)machine_.power_off(step.text.empty() ? std::nullopt : std::optional(step.text),
                               written.timeout);
      return;
    case StepKind::kPowerOn:
      machine_.power_on(written.timeout);
      return;
    case StepKind::kHostServe: {
      if (services_.count(step.text) != 0)
        throw StepFailed(step, "a new service name", "'" + step.text + "' is serving already");
      HostServiceOptions options;
      options.name = step.text;
      options.reply = step.reply;
      options.protocol = step.protocol == "line" ? HostServiceOptions::Protocol::kLine
                                                 : HostServiceOptions::Protocol::kHttp;
      options.log = [this](const std::string& line) { machine_.note(line); };
      auto service = std::make_unique<HostService>(std::move(options));
      variables_[step.text + "_host"] = kGuestSideHostAddress;
      variables_[step.text + "_port"] = std::to_string(service->port());
      machine_.note("host service " + step.text + " (" + step.protocol +
                    ") on 127.0.0.1:" + std::to_string(service->port()) + ", for the guest " +
                    kGuestSideHostAddress + ":" + std::to_string(service->port()));
      services_[step.text] = std::move(service);
      return;
    }
    case StepKind::kHostExpect: {
      const auto service = services_.find(step.text);
      if (service == services_.end())
        throw StepFailed(step, "a host service started by host.serve", "no '" + step.text + "'");
      if (!machine_.running()) machine_.throw_if_exited(std::chrono::milliseconds(0));
      const RE2 pattern(step.patterns.front());
      const auto request =
          service->second->wait_for_request(pattern, timeout, machine_.process().exit_fd());
      if (!request) machine_.throw_if_exited();
      if (!request) throw StepFailed(step, "a request", "QEMU ended first");
      capture(step.patterns.front(), request->text);
      return;
    }
    case StepKind::kSnapshotSave:
    case StepKind::kSnapshotRestore: {
      const bool saving = step.kind == StepKind::kSnapshotSave;
      if (auto problem = snapshot_tag_problem(step.text, saving))
        throw StepFailed(step, "a snapshot tag of the suite's own", *problem);
      if (saving)
        machine_.snapshot(step.text);
      else
        machine_.restore(step.text);
      return;
    }
    case StepKind::kQmp: {
      const auto reply = machine_.qmp().execute(step.text, step.arguments, timeout);
      if (step.expect && !contains(reply, *step.expect))
        throw StepFailed(step, "a reply containing " + step.expect->dump(), reply.dump());
      return;
    }
    case StepKind::kExpectPanic: {
      const WatcherHit hit = machine_.console().wait_for_watcher(timeout);
      variables_["panic_line"] = hit.line;
      return;
    }
    case StepKind::kResultsImport: {
      // Fetched into the scenario's report folder, where a person finds the originals.
      const std::string base = fs::path(step.remote).filename().string();
      const fs::path local = files_ / "imported" /
                             (std::to_string(++imports_) + "-" + (base.empty() ? "results" : base));
      fs::create_directories(local.parent_path());
      machine_.get(step.remote, local, timeout,
                   step.max_bytes.value_or(SshSession::kDefaultGetLimit));
      auto tests = import_results(*result_format_named(step.format), local);
      const ImportVerdict verdict = judge_import(tests, step.allow_empty);
      imported_.insert(imported_.end(), std::make_move_iterator(tests.begin()),
                       std::make_move_iterator(tests.end()));
      if (!verdict.problem.empty())
        throw StepFailed(step, "every imported test to pass", verdict.problem);
      return;
    }
    case StepKind::kScreenshot:
      if (auto problem = report_file_problem(step.text + ".png"))
        throw StepFailed(step, "a file inside the scenario's report folder", *problem);
      machine_.screenshot(files_ / (step.text + ".png"));
      return;
  }
}

}  // namespace hurdle
