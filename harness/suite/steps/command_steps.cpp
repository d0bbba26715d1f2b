#include "suite/steps/command_steps.hpp"

#include <re2/re2.h>

#include "config/yaml_reader.hpp"
#include "console/console_command.hpp"
#include "core/output_lines.hpp"
#include "core/safe_text.hpp"
#include "suite/step.hpp"
#include "suite/step_executor.hpp"
#include "suite/step_reader.hpp"

namespace hurdle {

namespace {

nlohmann::json optional_text(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json();
}

// The keys every command step shares: exit, stdout and stdout_matches (and, over SSH, the
// stderr pair). `must_fail`: ssh.fail, whose default is any status but 0.
CommandChecks read_checks(StepReader& r, bool has_stderr, bool must_fail) {
  CommandChecks c;
  if (must_fail) c.exit_status.reset();
  if (!r.is_mapping()) return c;
  auto& state = r.state();
  if (r.has("exit")) {
    const auto code = as_integer(r.get("exit"), r.file());
    if (code < 0 || code > 255) r.fail(r.get("exit"), "expected an exit status from 0 to 255");
    if (must_fail && code == 0)
      r.fail(r.get("exit"), "ssh.fail expects a status other than 0; use ssh.succeed");
    c.exit_status = static_cast<int>(code);
  }
  if (r.has("stdout")) c.stdout_equals = state.text(r.get("stdout"));
  if (r.has("stdout_matches"))
    c.stdout_matches = state.regex(r.get("stdout_matches"), &r.captures());
  if (has_stderr) {
    if (r.has("stderr")) c.stderr_equals = state.text(r.get("stderr"));
    if (r.has("stderr_matches"))
      c.stderr_matches = state.regex(r.get("stderr_matches"), &r.captures());
  }
  return c;
}

void expand_checks(CommandChecks& c, const TextExpander& expand) {
  for (auto* text : {&c.stdout_equals, &c.stdout_matches, &c.stderr_equals, &c.stderr_matches})
    if (*text) expand(**text);
}

nlohmann::json checks_inputs(const CommandChecks& c) {
  return {{"exit", c.exit_status ? nlohmann::json(*c.exit_status) : nlohmann::json("non-zero")},
          {"stdout", optional_text(c.stdout_equals)},
          {"stdout_matches", optional_text(c.stdout_matches)},
          {"stderr", optional_text(c.stderr_equals)},
          {"stderr_matches", optional_text(c.stderr_matches)}};
}

// The end of a long output, cut on a character boundary, quoted; the writers make the rest safe.
std::string shown(const std::string& text) {
  constexpr std::size_t kMax = 1024;
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

// The exit status, then each stdout/stderr check; `console`: one stream, called output.
void check_command(const Step& step, StepExecutor& x, const CommandChecks& c, bool console,
                   int exit_status, const std::string& signal, const std::string& out,
                   const std::string& err) {
  const std::string wanted =
      c.exit_status ? "exit status " + std::to_string(*c.exit_status) : "a non-zero exit status";
  if (!signal.empty()) throw StepFailed(step, wanted, "signal " + signal);
  if (c.exit_status ? exit_status != *c.exit_status : exit_status == 0) {
    throw StepFailed(step, wanted,
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
      x.capture(*matches, got);
    }
  };
  check(c.stdout_equals, c.stdout_matches, out, console ? "output" : "stdout");
  check(c.stderr_equals, c.stderr_matches, err, "stderr");
}

}  // namespace

SshCommand SshCommand::read(StepReader& r) {
  SshCommand s;
  s.command = r.state().text(r.scalar_or("command"));
  s.checks = read_checks(r, true, r.keyword() == "ssh.fail");
  if (r.has("live")) s.live = as_bool(r.get("live"), r.file());
  if (r.has("over")) {
    s.over = as_string(r.get("over"), r.file());
    if (s.over != "ssh" && s.over != "channel")
      fail_at(r.get("over"), r.file(), "expected over: ssh or over: channel");
  }
  r.read_timeout();
  return s;
}
void SshCommand::expand(const TextExpander& expand) {
  expand(command);
  expand_checks(checks, expand);
}
std::string SshCommand::describe(const Step& step) const { return described(step, command); }
nlohmann::json SshCommand::inputs(const Step&) const {
  nlohmann::json j = {{"command", command}, {"checks", checks_inputs(checks)}};
  if (live) j["live"] = true;  // only when given: the boot cache's keys of older suites stay
  if (!over.empty()) j["over"] = over;
  return j;
}
void SshCommand::run(const Step& step, StepExecutor& x) const {
  // Over SSH or the channel that stands for it: Machine::run would take the console of a
  // machine without SSH.
  std::optional<OutputLines> lines;
  LiveOutput live_output;
  const LiveLineSink& sink = x.live_lines();
  if (live && sink) {
    lines.emplace(sink.line);
    live_output = [&lines](bool err, std::string_view piece) { lines->feed(err, piece); };
    if (sink.block) sink.block(describe(step));
  }
  // The step's last lines, then the end of its block, however it ended.
  const auto finish = [&] {
    if (!lines) return;
    lines->finish();
    if (sink.block) sink.block({});
  };
  CommandResult r;
  try {
    using Over = ExecuteOptions::Over;
    const Over how = over == "ssh"       ? Over::kSsh
                     : over == "channel" ? Over::kChannel
                                         : Over::kSshOrChannel;
    r = x.machine().execute(command, {how, x.timeout_of(step), lines ? &live_output : nullptr});
  } catch (...) {
    finish();
    throw;
  }
  finish();
  x.set_command_end({r.exit_status, r.signal, r.over});
  check_command(step, x, checks, false, r.exit_status, r.signal, r.out, r.err);
}

ConsoleRun ConsoleRun::read(StepReader& r) {
  ConsoleRun s;
  s.command = r.state().text(r.scalar_or("command"));
  s.checks = read_checks(r, false, false);
  r.read_timeout();
  return s;
}
void ConsoleRun::expand(const TextExpander& expand) {
  expand(command);
  expand_checks(checks, expand);
}
std::string ConsoleRun::describe(const Step& step) const { return described(step, command); }
nlohmann::json ConsoleRun::inputs(const Step&) const {
  return {{"command", command}, {"checks", checks_inputs(checks)}};
}
void ConsoleRun::run(const Step& step, StepExecutor& x) const {
  // The console's shell as it is (no login first); the machine then knows it waits at its
  // prompt, as after any command it runs there.
  const CommandResult r =
      x.machine().execute(command, {ExecuteOptions::Over::kConsole, x.timeout_of(step), nullptr});
  x.set_command_end({r.exit_status, "", r.over});
  check_command(step, x, checks, true, r.exit_status, "", r.out, "");
}

WaitUntilSucceeds WaitUntilSucceeds::read(StepReader& r) {
  WaitUntilSucceeds s;
  s.command = r.state().text(r.scalar_or("command"));
  if (r.has("interval")) s.interval = r.state().duration(r.get("interval"));
  r.read_timeout();
  return s;
}
void WaitUntilSucceeds::expand(const TextExpander& expand) { expand(command); }
std::string WaitUntilSucceeds::describe(const Step& step) const { return described(step, command); }
nlohmann::json WaitUntilSucceeds::inputs(const Step&) const {
  return {{"command", command}, {"interval", interval ? interval->count() : -1}};
}
void WaitUntilSucceeds::run(const Step& step, StepExecutor& x) const {
  x.machine().wait_until_succeeds(command, x.timeout_of(step), interval);
}

}  // namespace hurdle
