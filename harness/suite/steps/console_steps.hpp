// Steps on the serial console: typing (console.send), waiting for text (console.expect), logging
// in (console.login) and waiting for a panic watcher (expect_panic). console.run is a command
// step (command_steps.hpp): it runs a command and checks its status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "suite/steps/step_family.hpp"

namespace hurdle {

// console.send: TEXT | {text, newline: false}   (`raw: true` is the older spelling of
// newline: false). Machine::console().sendline / send.
struct ConsoleSend {
  static constexpr std::array<std::string_view, 1> kKeywords{"console.send"};
  std::string text;
  bool newline = true;

  static ConsoleSend read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

// console.expect: PATTERN | {patterns: [..], timeout}. Machine::console().expect.
struct ConsoleExpect {
  static constexpr std::array<std::string_view, 1> kKeywords{"console.expect"};
  std::vector<std::string> patterns;

  static ConsoleExpect read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

// console.login: {} | {user, password, timeout} (the profile's by default). Machine::login.
struct ConsoleLogin {
  static constexpr std::array<std::string_view, 1> kKeywords{"console.login"};
  std::optional<std::string> user, password;

  static ConsoleLogin read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

// expect_panic: {} | {timeout}: waits for one of the profile's panic watchers to fire; its
// line becomes ${panic_line}. Machine::console().wait_for_watcher.
struct ExpectPanic {
  static constexpr std::array<std::string_view, 1> kKeywords{"expect_panic"};

  static ExpectPanic read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

}  // namespace hurdle
