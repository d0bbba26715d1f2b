// Steps through QEMU's monitor (QMP): a QMP command with a check of its reply (qmp), and the
// display saved as PNG (screenshot). Machine::qmp().execute / Machine::screenshot.
#pragma once

#include <optional>
#include <string>

#include "suite/steps/step_family.hpp"

namespace hurdle {

// qmp: {command, arguments, expect, timeout}: `expect` is a subset the reply must contain.
struct QmpStep {
  static constexpr std::array<std::string_view, 1> kKeywords{"qmp"};
  std::string command;
  nlohmann::json arguments = nlohmann::json::object();
  std::optional<nlohmann::json> expect;

  static QmpStep read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

// screenshot: NAME | {name} | {}: NAME.png in the scenario's report folder.
struct Screenshot {
  static constexpr std::array<std::string_view, 1> kKeywords{"screenshot"};
  std::string name = "screenshot";

  static Screenshot read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

}  // namespace hurdle
