// What every step payload in steps/ declares, and the helpers they share. A payload is the data
// of one kind of step (the keyword's own keys); its family's file says how it is read from
// YAML, run on a machine, described in reports, and keyed for the boot cache:
//
//   struct ConsoleSend {
//     static constexpr std::array<std::string_view, 1> kKeywords{"console.send"};
//     std::string text; ...                          // the step's own keys
//     static ConsoleSend read(StepReader& r);        // the YAML, checked (ConfigError)
//     void expand(const TextExpander& expand);       // ${...} in every text it holds
//     std::string describe(const Step& step) const;  // "console.send `ls`"
//     nlohmann::json inputs(const Step& step) const; // what the boot cache key must cover
//     void run(const Step& step, StepExecutor& x) const;  // StepFailed, or the Machine's errors
//   };
//
// The first keyword is the step's name; the others are aliases the loader also accepts. Adding
// a step is one family file plus its type in step_table.hpp's StepPayload.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hurdle {

struct Step;
class StepReader;
class StepExecutor;

// Replaces ${...} in a text, in place (the executor's variables and what earlier steps captured).
using TextExpander = std::function<void(std::string&)>;

// "KEYWORD `detail`", or the keyword alone when there is no detail.
[[nodiscard]] std::string described(const Step& step, const std::string& detail);

}  // namespace hurdle
