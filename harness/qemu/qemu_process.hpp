// One running QEMU process. It is started from an argv vector (Boost.Process v2, no shell),
// in its own process group, with stdout and stderr appended to a log file. It never outlives
// hurdle: the child asks the kernel to SIGKILL it when its parent thread dies (PR_SET_PDEATHSIG),
// and that thread is a waiter owned by this object, alive exactly as long as QEMU is. The
// destructor kills the process group and reaps it. Used by Machine; graceful shutdown (QMP)
// is Machine's job, this object only knows signals.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/unique_fd.hpp"

namespace hurdle {

class QemuProcess {
 public:
  // Starts argv[0] (looked up in PATH when it has no '/'). Throws QemuError if it cannot start.
  QemuProcess(std::vector<std::string> argv, std::filesystem::path log_file);
  ~QemuProcess();
  QemuProcess(const QemuProcess&) = delete;
  QemuProcess& operator=(const QemuProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // Readable (an eventfd) once the process has exited and been reaped: poll it with others.
  [[nodiscard]] int exit_fd() const { return exit_event_.get(); }
  [[nodiscard]] bool running() const;
  // True when the process exited within `timeout`.
  bool wait_for_exit(std::chrono::milliseconds timeout);
  // SIGKILL to the process group, then waits until it is reaped.
  void kill();

  // "exited with status 1", "was killed by signal 9 (Killed)", or "is running".
  [[nodiscard]] std::string exit_description() const;
  [[nodiscard]] std::optional<int> exit_status() const;  // raw waitpid status once exited
  // The last `bytes` of the log (QEMU's stderr), for error messages.
  [[nodiscard]] std::string log_tail(std::size_t bytes = 2048) const;
  [[nodiscard]] const std::filesystem::path& log_file() const { return log_file_; }
  [[nodiscard]] const std::vector<std::string>& argv() const { return argv_; }

 private:
  void run_waiter();

  std::vector<std::string> argv_;
  std::filesystem::path log_file_;
  UniqueFd exit_event_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  pid_t pid_ = -1;
  UniqueFd pidfd_;  // refers to QEMU itself, never to a later process with the same pid
  bool started_ = false;
  std::string start_error_;
  std::optional<int> status_;
  std::thread waiter_;
};

// Describes a raw waitpid status as exit_description() does.
std::string describe_wait_status(int status);

}  // namespace hurdle
