#include "core/error.hpp"

#include "core/safe_text.hpp"

#include <utility>

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

namespace {

template <typename E>
[[noreturn]] void throw_as(const std::string& message) {
  throw E(message);
}

using Thrower = void (*)(const std::string&);

const std::vector<std::pair<std::string, Thrower>>& kinds() {
  static const std::vector<std::pair<std::string, Thrower>> table = {
      {"Error", &throw_as<Error>},
      {"ConfigError", [](const std::string& m) { throw ConfigError({}, m); }},
      {"ImageError", &throw_as<ImageError>},
      {"DownloadError", &throw_as<DownloadError>},
      {"QemuError", &throw_as<QemuError>},
      {"QemuCrashed", &throw_as<QemuCrashed>},
      {"QmpError", &throw_as<QmpError>},
      {"ConsoleError", &throw_as<ConsoleError>},
      {"SshError", &throw_as<SshError>},
      {"SshNotReady", &throw_as<SshNotReady>},
      {"HostKeyChanged", &throw_as<HostKeyChanged>},
      {"TransferError", &throw_as<TransferError>},
      {"SshTimeoutError", &throw_as<SshTimeoutError>},
      {"TimeoutError", &throw_as<TimeoutError>},
      {"HostError", &throw_as<HostError>},
      {"ControlError", &throw_as<ControlError>},
      {"TemplateError", &throw_as<TemplateError>},
      {"ResultsError", &throw_as<ResultsError>},
      {"HistoryError", &throw_as<HistoryError>},
  };
  return table;
}

}  // namespace

void rethrow_as_kind(const std::string& kind, const std::string& message) {
  for (const auto& [name, thrower] : kinds()) {
    if (name == kind) thrower(message);
  }
  throw Error(message);
}

const std::vector<std::string>& rebuildable_error_kinds() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& k : kinds()) v.push_back(k.first);
    return v;
  }();
  return names;
}

}  // namespace hurdle
