// A step of a scenario as read from YAML: what every step has (its keyword, where it is
// written, its time-out, the variables it captures) and its kind's own data, one payload type
// per kind (step_table.hpp). Plain data; read by suite_loader, run by step_executor.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "suite/step_table.hpp"

namespace hurdle {

struct Step {
  std::string keyword;  // as written, e.g. "ssh.succeed"
  SourceLocation where;
  // As written (the executor falls back to the suite's default; power steps to the profile's).
  std::optional<std::chrono::milliseconds> timeout;
  std::vector<std::string> captures;  // named groups of this step's patterns: new variables
  // `always: true`: run after an earlier step of the scenario failed too (collecting files,
  // as a workflow's `if: always()`); the scenario's failure stays the first one.
  bool always = false;
  StepPayload payload;

  // The payload, when it is a T.
  template <typename T>
  [[nodiscard]] const T* as() const {
    return std::get_if<T>(&payload);
  }
  // "ssh.succeed `uname -s`": for reports and progress lines.
  [[nodiscard]] std::string describe() const;
  // What the boot cache's key must cover: every key as written, and what ssh.put sends.
  [[nodiscard]] nlohmann::json inputs() const;
};

}  // namespace hurdle
