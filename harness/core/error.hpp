// The one exception hierarchy of hurdle. Every failure is thrown as a subclass of
// hurdle::Error whose what() says where (file:line, machine, command) and what was expected.
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

// An SSH connection, authentication, channel or transfer failed.
class SshError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] const char* kind() const noexcept override { return "SshError"; }
};

// A wait ran out of time. The message says what was awaited and for how long.
class TimeoutError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] const char* kind() const noexcept override { return "TimeoutError"; }
};

}  // namespace hurdle
