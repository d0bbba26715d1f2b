#include "console/console_command.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "core/duration_text.hpp"
#include "core/error.hpp"
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

ConsoleCommandResult run_line_command(SerialConsole& console, const std::string& command,
                                      const StatusLinePatterns& status,
                                      std::chrono::milliseconds timeout) {
  if (command.find_first_of("\r\n") != std::string::npos)
    throw ConsoleError("`" + command + "`: this console takes one line per command");
  const auto start = Clock::now();
  console.sendline(command);
  const auto deadline = start + timeout;
  // An earlier prompt at the start of a line: the prompt's pattern, which is matched at the
  // end of what came (`... $`), without its end.
  std::string prompt = console.prompt_pattern();
  if (!prompt.empty() && prompt.back() == '$' &&
      (prompt.size() < 2 || prompt[prompt.size() - 2] != '\\'))
    prompt.pop_back();
  const auto earlier_prompt = std::make_unique<RE2>("^(?:" + prompt + ")");
  const auto is_status = [&](const std::string& line) {
    return RE2::FullMatch(line, status.ok) || RE2::FullMatch(line, status.error);
  };
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
    lines.clear();
    for (std::size_t at = 0; at < prompt.before.size();) {
      std::size_t end = prompt.before.find('\n', at);
      if (end == std::string::npos) end = prompt.before.size();
      std::string line = prompt.before.substr(at, end - at);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
      at = end + 1;
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    // The program's echo of what was typed (the first line that ends with it) is not output,
    // nor anything before it (a prompt printed for an earlier empty line, which the prompt
    // pattern, matched at the end of what came, did not stop at).
    const auto echo = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.size() >= command.size() &&
             line.compare(line.size() - command.size(), command.size(), command) == 0;
    });
    if (echo != lines.end()) {
      lines.erase(lines.begin(), echo + 1);
      if (lines.empty())
        throw ConsoleError("`" + command + "` printed no status line before the next prompt");
      break;
    }
    // No echo: the answer of a program that does not echo, after the last prompt before it
    // (a prompt nobody read, with a banner before it), when it ends with a status line; else
    // what came before the command, and the answer is before a later prompt.
    for (std::size_t i = lines.size(); i-- > 0;) {
      re2::StringPiece rest(lines[i]);
      if (!RE2::Consume(&rest, *earlier_prompt)) continue;
      // What follows the prompt on its line is the answer's first line.
      lines[i] = std::string(rest);
      lines.erase(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(i));
      if (lines.front().empty()) lines.erase(lines.begin());
      break;
    }
    if (!lines.empty() && is_status(lines.back())) break;
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
