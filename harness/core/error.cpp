#include "core/error.hpp"

#include "core/safe_text.hpp"

namespace hurdle {

Error::Error(const std::string& message) : std::runtime_error(safe_text(message)) {}

std::string SourceLocation::str() const {
  std::string s = file.empty() ? std::string("<input>") : file.string();
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  return s;
}

ConfigError::ConfigError(SourceLocation where, const std::string& problem)
    // An option or argument has no place in a file: the problem alone.
    : Error(where.file.empty() && where.line == 0 ? problem : where.str() + ": " + problem),
      where_(std::move(where)),
      problem_(problem) {}

QemuError::QemuError(const std::string& message, std::vector<std::string> argv,
                     std::string exit_status, std::string log_tail)
    : Error(message),
      argv_(std::move(argv)),
      exit_status_(std::move(exit_status)),
      log_tail_(std::move(log_tail)) {}

QmpError::QmpError(std::string command, std::string error_class, std::string description)
    : Error("QMP command '" + command + "' failed: " + error_class + ": " + description),
      command_(std::move(command)),
      error_class_(std::move(error_class)),
      description_(std::move(description)) {}

}  // namespace hurdle
