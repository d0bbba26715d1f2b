#include "qemu/qemu_process.hpp"

#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/boost_process.hpp"
#include "core/error.hpp"
#include "core/log_file.hpp"

namespace hurdle {

namespace bp = boost::process::v2;

namespace {

// Runs in the child between fork and exec.
struct DieWithParent {
  pid_t parent;

  template <typename Launcher>
  boost::system::error_code on_exec_setup(Launcher&, const std::filesystem::path&,
                                          const char* const*&) {
    // Own process group: a Ctrl-C on hurdle's terminal reaches hurdle, which shuts QEMU down
    // in order, and kill(-pgid) reaches anything QEMU starts (e.g. migration helpers).
    if (::setpgid(0, 0) != 0) return {errno, boost::system::system_category()};
    // QEMU starts with no signal blocked: hurdle blocks SIGINT and SIGTERM in all its threads
    // (one thread takes them), and a blocked mask is inherited across exec.
    sigset_t none;
    ::sigemptyset(&none);
    if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0)
      return {errno, boost::system::system_category()};
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return {errno, boost::system::system_category()};
    if (::getppid() != parent)
      return {ESRCH, boost::system::system_category()};  // parent already gone
    return {};
  }
};

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           ::strsignal(WTERMSIG(status)) + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

QemuProcess::QemuProcess(std::vector<std::string> argv, std::filesystem::path log_file)
    : argv_(std::move(argv)),
      log_file_(std::move(log_file)),
      exit_event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (argv_.empty()) throw QemuError("no QEMU command given");
  if (!exit_event_.valid()) throw QemuError(std::string("eventfd: ") + std::strerror(errno));
  waiter_ = std::thread([this] { run_waiter(); });
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return started_ || !start_error_.empty(); });
  if (!start_error_.empty()) {
    lock.unlock();
    waiter_.join();
    throw QemuError(start_error_);
  }
}

void QemuProcess::run_waiter() {
  pid_t pid = -1;
  try {
    std::filesystem::path exe = argv_[0];
    if (argv_[0].find('/') == std::string::npos) {
      exe = bp::environment::find_executable(argv_[0]);
      if (exe.empty())
        throw QemuError(argv_[0] +
                        " is not installed (not found in PATH); on Debian install qemu-system-x86");
    }
    std::FILE* log = std::fopen(log_file_.c_str(), "a");
    if (log == nullptr)
      throw QemuError("cannot open " + log_file_.string() + ": " + std::strerror(errno));
    boost::asio::io_context ctx;
    std::vector<std::string> args(argv_.begin() + 1, argv_.end());
    try {
      bp::process child(ctx, exe, args, bp::process_stdio{nullptr, log, log},
                        DieWithParent{::getpid()}, CloseInheritedFds{});
      pid = child.id();
      child.detach();  // reaped below with waitpid, which also gives the signal that killed it
    } catch (...) {
      std::fclose(log);
      throw;
    }
    std::fclose(log);
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    start_error_ = std::string("cannot start ") + argv_[0] + ": " + e.what();
    changed_.notify_all();
    return;
  }
  {
    std::lock_guard lock(mutex_);
    pid_ = pid;
    pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));  // -1 before Linux 5.3
    started_ = true;
  }
  changed_.notify_all();

  // Waits for the exit without reaping (WNOWAIT): until status_ is set under the lock, QEMU is
  // at worst a zombie, which keeps its pid and process group, so kill() can never hit another
  // process that was given the same pid. The pidfd says the same to pidfd_send_signal.
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  {
    std::lock_guard lock(mutex_);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = status;
  }
  const std::uint64_t one = 1;
  (void)::write(exit_event_.get(), &one, sizeof(one));
  changed_.notify_all();
}

QemuProcess::~QemuProcess() {
  if (waiter_.joinable()) {
    kill();
    waiter_.join();
  }
}

bool QemuProcess::running() const {
  std::lock_guard lock(mutex_);
  return !status_.has_value();
}

bool QemuProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return status_.has_value(); });
}

void QemuProcess::kill() {
  {
    std::lock_guard lock(mutex_);
    if (status_) return;     // reaped: the pid may belong to another process by now
    ::kill(-pid_, SIGKILL);  // the whole group (QEMU unreaped holds the group's id)
    if (pidfd_.valid())
      (void)::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
    else
      ::kill(pid_, SIGKILL);  // in case setpgid had not happened yet
  }
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return status_.has_value(); });
}

std::optional<int> QemuProcess::exit_status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::string QemuProcess::exit_description() const {
  const auto status = exit_status();
  return status ? describe_wait_status(*status) : "is running";
}

std::string QemuProcess::log_tail(std::size_t bytes) const { return file_tail(log_file_, bytes); }

}  // namespace hurdle
