// The shell on a machine's serial console, as hurdle knows it: whether one is logged in, and
// whether it waits at its prompt (nothing was sent since it was seen there: a marker it echoes
// then proves the guest alive in milliseconds). Logging in (and installing the SSH key the
// guest must trust, over the console), running a command in it, and proving the guest alive
// all go through here, whoever asks (Machine::execute over the console, `console.run`); a
// `console.send` is seen by its count of what was sent. Holds no console: the one of the
// QEMU of the moment is given to each call (a power cycle makes another).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "console/console_command.hpp"
#include "console/serial_console.hpp"
#include "qemu/machine_profile.hpp"

namespace hurdle {

class ConsoleShell {
 public:
  // How a command's status is read (a shell's `$?` by default).
  explicit ConsoleShell(ConsoleCommandsSpec commands = {}) : commands_(std::move(commands)) {}

  // Logs in as `user` with `password` at the profile's prompts and waits for the shell's;
  // ConsoleError when the guest refuses. Where no login is required, only waits for the prompt.
  void login(SerialConsole& console, const LoginSpec& spec, const std::string& machine,
             const std::string& user, const std::string& password,
             std::chrono::milliseconds timeout);
  // `line` typed into the logged-in shell, waiting for `marker` in its output, then the prompt.
  void type(SerialConsole& console, const std::string& line, const std::string& marker,
            std::chrono::milliseconds timeout);
  // `command` in the shell as it is (no login first), its status and output.
  ConsoleCommandResult run(SerialConsole& console, const std::string& command,
                           std::chrono::milliseconds timeout);
  // Proves the guest alive by a marker the shell echoes, when it waits at its prompt; false
  // (nothing sent) when it does not.
  bool prove_alive(SerialConsole& console, std::chrono::milliseconds timeout);

  [[nodiscard]] bool logged_in() const { return logged_in_; }
  [[nodiscard]] bool at_prompt(const SerialConsole& console) const {
    return prompt_at_sends_ && *prompt_at_sends_ == console.sends();
  }
  // A new boot: no shell until a login.
  void forget() {
    prompt_at_sends_.reset();
    logged_in_ = false;
  }
  // As a saved moment had it (a restore, a clone, a resume).
  void restore(const SerialConsole& console, bool at_prompt, bool logged_in) {
    prompt_at_sends_.reset();
    if (at_prompt) prompt_at_sends_ = console.sends();
    logged_in_ = logged_in;
  }

 private:
  ConsoleCommandsSpec commands_;
  std::optional<std::uint64_t> prompt_at_sends_;  // the console's send count at the prompt
  bool logged_in_ = false;
};

}  // namespace hurdle
