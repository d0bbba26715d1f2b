// The reset modes by name: one table for a suite's `reset:`, `hurdle run --reset`, MCP's
// run_suite schema and the JUnit property `reset`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "suite/suite.hpp"

namespace hurdle {

// "clone", "snapshot" or "reboot".
[[nodiscard]] const char* to_string(Suite::Reset mode);
// The mode of that name; nullopt for any other.
[[nodiscard]] std::optional<Suite::Reset> reset_mode_named(const std::string& name);
// Every name, in the order they are offered.
[[nodiscard]] std::vector<std::string> reset_mode_names();
// "clone, snapshot or reboot", for messages.
[[nodiscard]] std::string reset_mode_choices();

}  // namespace hurdle
