// The one exception hierarchy of hurdle. Every failure is thrown as a subclass of
// hurdle::Error whose what() says where (file:line, machine, command) and what was expected,
// and whose kind() names the part that failed (a report's failure type; the `hurdle vm`
// control channel sends it, and rebuild_error() makes the same type again on the other side).
//
//   std::runtime_error
//   └── Error                        (hurdle's own; what() is safe text)
//       ├── ConfigError              bad input: a profile, suite, option or argument; file:line
//       ├── ImageError               a base image missing, unreadable, or not what its lock says
//       │   └── DownloadError        a download that failed for good
//       ├── QemuError                QEMU would not start, ended, or was stopped; argv, status, log
//       ├── QmpError                 a QMP command's error, or the QMP connection
//       ├── ConsoleError             the console closed, or a watcher (a panic) fired
//       ├── SshError (virtual)       an SSH connection, authentication or channel
//       │   ├── SshNotReady          the readiness command answered wrongly (not retried)
//       │   ├── HostKeyChanged       not the pinned host key (not retried)
//       │   ├── TransferError        a put or get: an archive that breaks the rules, a file
//       │   └── SshTimeoutError ─┐   an SSH command or wait out of time: caught as either
//       ├── TimeoutError (virtual) ◄┘ a wait that ran out of time; says what and how long
//       ├── HostError                the host: a file, folder, socket, lock or program
//       ├── ControlError             `hurdle vm`'s control channel: no answer, not the protocol
//       ├── TemplateError            a template not made, opened or cloned (engine/)
//       ├── ResultsError             an imported results file not in its format (results/)
//       ├── CommandFailed            succeed() saw a non-zero status, fail() a zero one (ssh/:
//       │                            it carries the CommandResult)
//       └── StepFailed               a step's check did not hold (suite/: it carries the step)
//
// Three types are thrown that are not errors, each caught in the file that throws it: the
// engine's BootFailure (a boot's error, told apart from the template's own), SshSession's
// Stop (the end of a streamed command), and suite_run's RunRefused (an exit status and why).
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace hurdle {

// what() is safe_text of the message: errors quote guest output, and a C string would end at
// the first NUL the guest printed; every control byte is shown instead (see safe_text.hpp).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
  // The kind reports show (JUnit's failure type): "QemuError", "TimeoutError"...
  [[nodiscard]] virtual const char* kind() const noexcept { return "Error"; }
};

// A place in an input file (YAML profile or suite); line and column count from 1.
struct SourceLocation {
  std::filesystem::path file;
  std::size_t line = 0;
  std::size_t column = 0;

  [[nodiscard]] std::string str() const;  // "file:line:column" (parts that are known)
};

// Bad input: a profile, suite or option that does not say what hurdle expects. Without a
// place (an option, a command's argument), what() is the problem alone.
class ConfigError : public Error {
 public:
  ConfigError(SourceLocation where, const std::string& problem);
  [[nodiscard]] const SourceLocation& where() const { return where_; }
  [[nodiscard]] const std::string& problem() const { return problem_; }
  [[nodiscard]] const char* kind() const noexcept override { return "ConfigError"; }

 private:
  SourceLocation where_;
  std::string problem_;
};

// A base image that is missing, unreadable or not what its lock says.
class ImageError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] const char* kind() const noexcept override { return "ImageError"; }
};

// The QEMU process: would not start, exited, or was killed. When QEMU itself ended, the
// error carries what a person needs to see why (as QEMU's python VMLaunchFailure does): its
// command line, how it ended, and the end of its log.
class QemuError : public Error {
 public:
  using Error::Error;
  QemuError(const std::string& message, std::vector<std::string> argv, std::string exit_status,
            std::string log_tail);
  [[nodiscard]] const std::vector<std::string>& argv() const { return argv_; }
  [[nodiscard]] const std::string& exit_status() const { return exit_status_; }
  [[nodiscard]] const std::string& log_tail() const { return log_tail_; }
  [[nodiscard]] const char* kind() const noexcept override { return "QemuError"; }

 private:
  std::vector<std::string> argv_;
  std::string exit_status_;  // "exited with status 1", "was killed by signal 9 (Killed)"
  std::string log_tail_;
};

// QEMU itself ended while hurdle used it, on a signal hurdle did not send: QEMU crashed, or
// the host's OOM killer took it. The machinery's failure, not the guest's or the test's.
class QemuCrashed : public QemuError {
 public:
  using QemuError::QemuError;
  [[nodiscard]] const char* kind() const noexcept override { return "QemuCrashed"; }
};

// QEMU answered a QMP command with an error, or the QMP connection failed.
class QmpError : public Error {
 public:
  QmpError(std::string command, std::string error_class, std::string description);
  explicit QmpError(const std::string& message) : Error(message) {}
  [[nodiscard]] const std::string& command() const { return command_; }
  [[nodiscard]] const std::string& error_class() const { return error_class_; }
  [[nodiscard]] const std::string& description() const { return description_; }
  [[nodiscard]] const char* kind() const noexcept override { return "QmpError"; }

 private:
  std::string command_;
  std::string error_class_;
  std::string description_;
};

// The console stream: closed, or a watcher (e.g. a kernel panic pattern) fired.
class ConsoleError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] const char* kind() const noexcept override { return "ConsoleError"; }
};

// An SSH connection, authentication, channel or transfer failed. (A virtual base: an SSH
// time-out is both this and a TimeoutError.)
class SshError : public virtual Error {
 public:
  explicit SshError(const std::string& message) : Error(message) {}
  [[nodiscard]] const char* kind() const noexcept override { return "SshError"; }
};

// The guest answered the readiness command, but not as expected: the wrong system, or a
// broken one. Not retried.
class SshNotReady : public SshError {
 public:
  // Error is a virtual base: the most derived class builds it.
  explicit SshNotReady(const std::string& message) : Error(message), SshError(message) {}
  [[nodiscard]] const char* kind() const noexcept override { return "SshNotReady"; }
};

// The guest's host key is not the pinned one: never retried, since waiting will not make it
// right.
class HostKeyChanged : public SshError {
 public:
  // Error is a virtual base: the most derived class builds it.
  explicit HostKeyChanged(const std::string& message) : Error(message), SshError(message) {}
  [[nodiscard]] const char* kind() const noexcept override { return "HostKeyChanged"; }
};

// A put or get: a file that cannot be read or written, an archive from the guest that breaks
// the rules (a name outside the target, a link to write through, a device, too many bytes).
class TransferError : public SshError {
 public:
  // Error is a virtual base: the most derived class builds it.
  explicit TransferError(const std::string& message) : Error(message), SshError(message) {}
  [[nodiscard]] const char* kind() const noexcept override { return "TransferError"; }
};

// A wait ran out of time. The message says what was awaited and for how long.
class TimeoutError : public virtual Error {
 public:
  explicit TimeoutError(const std::string& message) : Error(message) {}
  [[nodiscard]] const char* kind() const noexcept override { return "TimeoutError"; }
};

// An SSH command, connection or transfer that ran out of time: catch (const SshError&) and
// catch (const TimeoutError&) both take it.
class SshTimeoutError : public SshError, public TimeoutError {
 public:
  explicit SshTimeoutError(const std::string& message)
      : Error(message), SshError(message), TimeoutError(message) {}
  [[nodiscard]] const char* kind() const noexcept override { return "SshTimeoutError"; }
};

// A download that failed for good; what() names every URL tried and why each failed.
class DownloadError : public ImageError {
 public:
  using ImageError::ImageError;
  [[nodiscard]] const char* kind() const noexcept override { return "DownloadError"; }
};

// The host failed hurdle: a file or folder that cannot be made, read or written, a socket, a
// lock, a program that is not installed or would not start.
class HostError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] const char* kind() const noexcept override { return "HostError"; }
};

// `hurdle vm`'s control channel: a supervisor that does not answer or went away, a message
// that is not the protocol, an instance record that is no record.
class ControlError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] const char* kind() const noexcept override { return "ControlError"; }
};

// The template could not be made or opened, or gives no clone, on this host, though the
// machine booted (a cache folder that cannot be written, a QEMU that refuses the migration):
// the runner falls back to snapshot resets when the suite did not ask for clones.
class TemplateError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] const char* kind() const noexcept override { return "TemplateError"; }
};

// A result file that does not say what its format says: names the file and the line.
class ResultsError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] const char* kind() const noexcept override { return "ResultsError"; }
};

// A history database or an expectations file that cannot be used: not a history, corrupt,
// locked too long, a pattern that does not parse. Names the file (and the line).
class HistoryError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] const char* kind() const noexcept override { return "HistoryError"; }
};

// Throws an error of the type `kind` names (an Error::kind()) with `message` as its text: how
// the control channel gives a client the supervisor's error as it was. An unknown kind (or one
// that carries more than text: CommandFailed, StepFailed) is rebuilt as a plain Error.
[[noreturn]] void rethrow_as_kind(const std::string& kind, const std::string& message);
// Every kind rethrow_as_kind() rebuilds as itself.
[[nodiscard]] const std::vector<std::string>& rebuildable_error_kinds();

}  // namespace hurdle
