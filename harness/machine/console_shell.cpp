#include "machine/console_shell.hpp"

#include "core/error.hpp"

namespace hurdle {

void ConsoleShell::login(SerialConsole& c, const LoginSpec& spec, const std::string& machine,
                         const std::string& user, const std::string& password,
                         std::chrono::milliseconds timeout) {
  if (!spec.required) {
    // The prompt after the boot, else (when it was read already) a fresh one for an empty line.
    try {
      c.expect(spec.shell_prompt, std::min(timeout, std::chrono::milliseconds(2000)));
    } catch (const TimeoutError&) {
      c.sendline("");
      c.expect(spec.shell_prompt, timeout);
    }
    prompt_at_sends_ = c.sends();
    logged_in_ = true;
    return;
  }
  c.sendline("");  // a fresh prompt, in case the first one scrolled by unread
  c.expect(spec.login_prompt, timeout);
  c.sendline(user);
  auto m = c.expect({spec.password_prompt, spec.shell_prompt, "Login incorrect"}, timeout);
  if (m.index == 0) {
    c.sendline(password);  // never logged: the console logs only what the guest prints
    m = c.expect({spec.shell_prompt, "Login incorrect"}, timeout);
    if (m.index == 1) throw ConsoleError(machine + ": login as " + user + " was refused");
  } else if (m.index == 2) {
    throw ConsoleError(machine + ": login as " + user + " was refused");
  }
  prompt_at_sends_ = c.sends();
  logged_in_ = true;
}

void ConsoleShell::type(SerialConsole& c, const std::string& line, const std::string& marker,
                        std::chrono::milliseconds timeout) {
  c.sendline(line);
  c.expect(marker, timeout);
  c.expect_prompt(timeout);
  prompt_at_sends_ = c.sends();
}

ConsoleCommandResult ConsoleShell::run(SerialConsole& c, const std::string& command,
                                       std::chrono::milliseconds timeout) {
  ConsoleCommandResult r =
      commands_.status == ConsoleCommandsSpec::Status::kLastLine
          ? run_line_command(c, command, {commands_.ok, commands_.error}, timeout)
          : run_on_console(c, command, timeout);
  prompt_at_sends_ = c.sends();  // run_on_console returns at the prompt
  return r;
}

bool ConsoleShell::prove_alive(SerialConsole& c, std::chrono::milliseconds timeout) {
  if (!at_prompt(c)) return false;
  // The shell expands the sum, so the marker is in its output and not in the echo of the
  // command line; a counter keeps an old marker from answering a new proof.
  const std::uint64_t n = c.sends();
  if (commands_.status == ConsoleCommandsSpec::Status::kLastLine) {
    // A program that echoes what is typed: its answer, after the echo, is the proof.
    const std::string marker = "hurdle-alive-" + std::to_string(n + 1);
    const ConsoleCommandResult r = run(c, "echo " + marker, timeout);
    if (r.exit_status != 0 || r.output != marker + "\n")
      throw ConsoleError("the console's program did not answer `echo " + marker + "`: " + r.output);
    return true;
  }
  type(c, "echo hurdle-alive-$((" + std::to_string(n) + "+1))",
       "hurdle-alive-" + std::to_string(n + 1), timeout);
  return true;
}

}  // namespace hurdle
