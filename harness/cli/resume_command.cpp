#include "cli/resume_command.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <optional>

#include "cli/raw_terminal.hpp"
#include "core/error.hpp"
#include "core/unix_socket.hpp"
#include "machine/machine.hpp"

namespace hurdle::cli {

ResumeCommand::ResumeCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "resume",
      "Start a machine that `hurdle run --keep-failed-state` saved, at the moment its scenario "
      "failed, with its serial console in this terminal (Ctrl-] leaves and stops it)");
  command_->add_option("folder", folder_, "the scenario's failed-state folder")->required();
  command_->add_option("--accel", accel_, "auto, kvm or tcg (overrides the profile)");
  command_->add_option("--log-dir", log_dir_,
                       "where the resumed machine's logs go (default: DIR/resumed-logs)");
}

int ResumeCommand::run() {
  MachineOptions options;
  if (!accel_.empty()) options.accel = parse_accelerator(accel_, "--accel");
  options.log_dir = log_dir_.empty() ? std::filesystem::path(folder_) / "resumed-logs"
                                     : std::filesystem::path(log_dir_);
  std::unique_ptr<Machine> vm;
  try {
    const auto saved = SavedMachine::read(folder_);
    std::cout << "hurdle resume: " << saved.machine << ", saved " << saved.saved_at << " ("
              << saved.reason << ")" << std::endl;
    vm = Machine::resume(folder_, options);
  } catch (const ConfigError& e) {
    std::cerr << "hurdle resume: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hurdle resume: " << e.what() << "\n";
    return 3;
  }
  if (const auto& ssh = vm->profile().ssh) {
    std::cout << "SSH: ssh -p " << vm->host_port(ssh->forward);
    if (ssh->auth == SshSpec::Auth::kKey) std::cout << " -i " << ssh->key.string();
    std::cout << " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null " << ssh->user
              << "@127.0.0.1" << std::endl;
  }
  std::cout << "Logs: " << vm->log_dir().string() << std::endl;
  std::cout << "The serial console is attached; Ctrl-] leaves (and stops the machine)."
            << std::endl;

  int status = 0;
  {
    RawTerminal raw(STDIN_FILENO);
    // The machine goes on until the escape key or its end, whatever the terminal does.
    vm->console().mirror_to([](std::string_view bytes) { write_fully(STDOUT_FILENO, bytes); });
    vm->console().sendline("");  // a fresh prompt to start from
    for (;;) {
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {vm->process().exit_fd(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents != 0) {
        status = 0;  // the guest powered off, or QEMU ended
        break;
      }
      char buffer[256];
      const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (n <= 0) break;  // no more input: leave
      const std::string_view typed(buffer, static_cast<std::size_t>(n));
      const auto escape = typed.find(kConsoleEscape);
      vm->console().send(typed.substr(0, escape));
      if (escape != std::string_view::npos) break;
    }
    vm->console().mirror_to({});
  }
  std::cout << "\nhurdle resume: leaving; the machine stops" << std::endl;
  vm->crash();  // a saved machine is a copy: nothing in it needs a clean shutdown
  return status;
}

}  // namespace hurdle::cli
