// Checks a tool call's arguments against the tool's input schema (the subset hurdle's tools
// use: an object of typed properties, required ones, enums, integer bounds, arrays of
// strings, nothing else) before the tool runs, so that a wrong argument is a tool error that
// names it, never a crash or a half-done action.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace hurdle::mcp {

// A tool's arguments that are not what its schema says: bad input, as a suite's would be.
class ToolArgumentError : public ConfigError {
 public:
  explicit ToolArgumentError(const std::string& problem) : ConfigError({}, problem) {}
  [[nodiscard]] const char* kind() const noexcept override { return "InvalidArgument"; }
};

// Throws ToolArgumentError: "argument 'name': expected a string, got 42", "argument 'x' is
// not one this tool takes (it takes: a, b)", "argument 'tag' is required".
void check_arguments(const nlohmann::json& schema, const nlohmann::json& arguments);

}  // namespace hurdle::mcp
