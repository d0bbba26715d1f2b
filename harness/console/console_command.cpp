#include "console/console_command.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <random>
#include <string_view>
#include <vector>

#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/line_buffer.hpp"
#include "core/time_left.hpp"

namespace hurdle {

using Clock = std::chrono::steady_clock;

ConsoleCommandResult run_on_console(SerialConsole& console, const std::string& command,
                                    std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  // A number of its own for each command: output of an earlier one cannot end this one.
  std::random_device entropy;
  const auto nonce = std::uniform_int_distribution<long>(100'000'000, 999'999'999)(entropy);
  const std::string typed = std::to_string(nonce - 1);
  const std::string shown = std::to_string(nonce);
  // The newline before `}` ends the command even when it ends with `&` or a comment.
  console.sendline("echo hurdle-begin-$((" + typed + "+1)); {\n" + command +
                   "\n}; echo hurdle-end-$((" + typed + "+1))-$?");
  ConsoleCommandResult result;
  try {
    console.expect("hurdle-begin-" + shown + "\n", time_left(deadline));
    const ExpectMatch end =
        console.expect("hurdle-end-" + shown + "-([0-9]+)", time_left(deadline));
    result.exit_status = std::stoi(end.groups.at(0));
    result.output = end.before;
  } catch (const TimeoutError&) {
    console.send("\x03");  // the shell's prompt back for whatever comes next
    throw TimeoutError("`" + command + "` did not finish on the console within " +
                       seconds_text(timeout) + "; the console ends with:\n" + console.tail(1024));
  }
  console.expect_prompt(std::max(time_left(deadline), std::chrono::milliseconds(1000)));
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

namespace {

// The lines of console text (without "\n" or "\r\n"), the empty ones at its end left out.
std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  LineBuffer splitter(text.size() + 1);
  const auto keep = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.feed(text, keep, [](std::size_t) {});
  if (splitter.has_partial_line()) splitter.feed("\n", keep, [](std::size_t) {});
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// The prompt's pattern, which is matched at the end of what came (`... $`), without that end:
// an earlier prompt at the start of a line.
std::string prompt_at_line_start(std::string pattern) {
  if (!pattern.empty() && pattern.back() == '$' &&
      (pattern.size() < 2 || pattern[pattern.size() - 2] != '\\'))
    pattern.pop_back();
  return "^(?:" + pattern + ")";
}

// Drops the program's echo of what was typed (the first line that ends with it) and what came
// before it (a prompt printed for an earlier empty line, which the prompt pattern, matched at
// the end of what came, did not stop at). False when no line is the echo.
bool drop_through_echo(std::vector<std::string>& lines, const std::string& command) {
  const auto echo = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
    return line.size() >= command.size() &&
           line.compare(line.size() - command.size(), command.size(), command) == 0;
  });
  if (echo == lines.end()) return false;
  lines.erase(lines.begin(), echo + 1);
  return true;
}

// Drops what came up to the last earlier prompt (a banner, a prompt nobody read); what
// follows that prompt on its line is the first line of what is kept.
void drop_through_last_prompt(std::vector<std::string>& lines, const RE2& earlier_prompt) {
  for (std::size_t i = lines.size(); i-- > 0;) {
    re2::StringPiece rest(lines[i]);
    if (!RE2::Consume(&rest, earlier_prompt)) continue;
    lines[i] = std::string(rest);
    lines.erase(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(i));
    if (lines.front().empty()) lines.erase(lines.begin());
    return;
  }
}

}  // namespace

ConsoleCommandResult run_line_command(SerialConsole& console, const std::string& command,
                                      const StatusLinePatterns& status,
                                      std::chrono::milliseconds timeout) {
  if (command.find_first_of("\r\n") != std::string::npos)
    throw ConsoleError("`" + command + "`: this console takes one line per command");
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  const RE2 earlier_prompt(prompt_at_line_start(console.prompt_pattern()));
  console.sendline(command);
  std::vector<std::string> lines;
  for (;;) {
    ExpectMatch prompt;
    try {
      prompt = console.expect_prompt(time_left(deadline));
    } catch (const TimeoutError&) {
      console.send("\x03");
      throw TimeoutError("`" + command + "` did not finish on the console within " +
                         seconds_text(timeout) + "; the console ends with:\n" + console.tail(1024));
    }
    lines = lines_of(prompt.before);
    if (drop_through_echo(lines, command)) {
      if (lines.empty())
        throw ConsoleError("`" + command + "` printed no status line before the next prompt");
      break;
    }
    // No echo: the answer of a program that does not echo, after the last prompt before it,
    // when it ends with a status line; else what came before the command, and the answer is
    // before a later prompt.
    drop_through_last_prompt(lines, earlier_prompt);
    if (!lines.empty() &&
        (RE2::FullMatch(lines.back(), status.ok) || RE2::FullMatch(lines.back(), status.error)))
      break;
  }
  ConsoleCommandResult result;
  const std::string& last = lines.back();
  if (RE2::FullMatch(last, status.ok)) {
    result.exit_status = 0;
    lines.pop_back();
  } else if (RE2::FullMatch(last, status.error)) {
    result.exit_status = 1;
  } else {
    throw ConsoleError("`" + command + "`: the line before the prompt is no status line (`" +
                       status.ok + "` or `" + status.error + "`): " + last);
  }
  for (const auto& line : lines) result.output += line + "\n";
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

}  // namespace hurdle
