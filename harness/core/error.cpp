#include "core/error.hpp"

namespace hurdle {

std::string SourceLocation::str() const {
  std::string s = file.empty() ? std::string("<input>") : file.string();
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  return s;
}

ConfigError::ConfigError(SourceLocation where, const std::string& problem)
    : Error(where.str() + ": " + problem), where_(std::move(where)), problem_(problem) {}

}  // namespace hurdle
