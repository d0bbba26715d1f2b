#include "console/console_command.hpp"

#include <random>

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

}  // namespace hurdle
