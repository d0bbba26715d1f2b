// A shell command run on the serial console, as ssh.run runs one over SSH: for what must
// happen before SSH works (starting sshd on a Hurd guest) or when it does not. The command is
// framed by two markers whose numbers the shell computes (`$((N+1))`), so that the terminal's
// echo of the typed line never matches them; its output is what the console printed between
// them, and its exit status the one the shell reports after it.
#pragma once

#include <chrono>
#include <string>

#include "console/serial_console.hpp"

namespace hurdle {

struct ConsoleCommandResult {
  int exit_status = -1;
  std::string output;  // stdout and stderr together, as the console shows them ("\n" lines)
  std::chrono::milliseconds elapsed{0};
};

// Runs `command` in the shell at the console's prompt and waits for it to finish. The command
// runs in that shell (a `cd` stays), grouped so that its status is the last command's. Throws
// TimeoutError, after sending Ctrl-C to leave the shell usable, when it has not finished
// within `timeout`; ConsoleError when a watcher fires or the console closes.
ConsoleCommandResult run_on_console(SerialConsole& console, const std::string& command,
                                    std::chrono::milliseconds timeout);

// The patterns (RE2, each matching a whole line) of the status line that a program answering
// line commands prints after a command's output, before its next prompt.
struct StatusLinePatterns {
  std::string ok;
  std::string error;
};

// Runs `command` (one line) at the prompt of a program that answers line commands and prints a
// status line before its next prompt (a profile's `console_commands: {status: last-line}`;
// mach-probe): everything the console showed between the echo of the typed line and the next
// prompt is its output, and the last line of it says how it went (0 for `ok`, 1 for `error`;
// an error's line stays in the output, as a shell's message on stderr would). Throws
// ConsoleError when the line before the prompt is neither; TimeoutError (after sending Ctrl-C)
// when no prompt came within `timeout`.
ConsoleCommandResult run_line_command(SerialConsole& console, const std::string& command,
                                      const StatusLinePatterns& status,
                                      std::chrono::milliseconds timeout);

}  // namespace hurdle
