// What a step family's reader gets: the step's YAML (a scalar, a mapping or nothing) with
// helpers that check it the way the whole suite is checked (variables defined, regexes compiled
// as they will run, durations bounded), and the loader's knowledge of the steps before it
// (captured variables, host services started). Used by suite_loader and the files in steps/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/variables.hpp"
#include "config/yaml_reader.hpp"

namespace hurdle {

struct Step;

// What the loader knows while it reads a suite: the file, and the variables defined so far
// (values are placeholders for captured ones; only the names matter for validation).
struct SuiteReadState {
  std::filesystem::path file;
  Variables known;                 // suite variables with their values; captured ones with ""
  std::set<std::string> captured;  // the names whose values only come when a step runs
  std::vector<std::string>* secrets = nullptr;  // where ${secret:NAME} values are noted
  // The host services started so far in this scenario (or in provisioning): a service lives
  // as long as the steps around it, so host.expect may only name one of these.
  std::set<std::string> services;

  // `raw` with every variable whose value is known expanded, and each captured one (whose
  // value only exists at run time) replaced by `placeholder`.
  [[nodiscard]] std::string expanded(const YAML::Node& node, const std::string& raw,
                                     const std::string& placeholder) const;
  // Whether `raw` uses a captured variable (its final value is unknown until the step runs).
  [[nodiscard]] bool uses_captured(const std::string& raw) const;
  // Checks that every ${...} in the node's text is defined; returns the text unexpanded (the
  // executor expands it when the step runs, once captured values exist).
  [[nodiscard]] std::string text(const YAML::Node& node) const;
  // A regex: variables checked, then compiled as it will run; its named groups are appended to
  // `captures` (new variables once the step has run).
  [[nodiscard]] std::string regex(const YAML::Node& node, std::vector<std::string>* captures) const;
  // YAML to JSON for QMP: plain scalars that read as integers or booleans become those, the
  // rest strings (a quoted scalar stays a string); variables are checked as in text().
  [[nodiscard]] nlohmann::json json(const YAML::Node& node) const;
  // A duration above zero (and within kMaxDuration).
  [[nodiscard]] std::chrono::milliseconds duration(const YAML::Node& node) const;
};

// One step being read. A family's read function asks for the keys it takes; every other key
// is an error that lists the allowed ones (`finish`, called by the loader).
class StepReader {
 public:
  StepReader(const YAML::Node& item, SuiteReadState& state, Step& step);

  [[nodiscard]] SuiteReadState& state() { return state_; }
  [[nodiscard]] const std::filesystem::path& file() const { return state_.file; }
  [[nodiscard]] const std::string& keyword() const;
  [[nodiscard]] const YAML::Node& item() const { return item_; }    // `- keyword: value`
  [[nodiscard]] const YAML::Node& value() const { return value_; }  // the value
  [[nodiscard]] bool is_scalar() const { return value_.IsScalar(); }
  [[nodiscard]] bool is_empty() const { return !value_ || value_.IsNull(); }
  [[nodiscard]] bool is_mapping() const { return mapping_.has_value(); }
  // The value as a mapping (has, get, require); only when is_mapping().
  [[nodiscard]] MappingReader& mapping() { return *mapping_; }
  [[nodiscard]] bool has(const std::string& key) { return mapping_ && mapping_->has(key); }
  [[nodiscard]] YAML::Node get(const std::string& key) {
    return mapping_ ? mapping_->get(key) : YAML::Node();
  }

  // The step's main value: the scalar itself, or the mapping's `key` (an error when absent).
  [[nodiscard]] YAML::Node scalar_or(const char* key);
  // The mapping, or an error "expected KEYWORD as SHAPE" (shape: "{local, remote}").
  MappingReader& require_mapping(const std::string& shape);
  // An error unless the value is a mapping or empty: "expected KEYWORD as SHAPE".
  void refuse_scalar(const std::string& shape);
  // `timeout:`, when given, into the step.
  void read_timeout();
  // Names the step's patterns capture, so later steps may use them.
  [[nodiscard]] std::vector<std::string>& captures();

  [[noreturn]] void fail(const YAML::Node& node, const std::string& problem) const;
  // The value's node, or the item's when the value is empty (for "needs a value" errors).
  [[nodiscard]] const YAML::Node& where() const { return is_empty() ? item_ : value_; }

  void finish();

 private:
  YAML::Node item_;
  YAML::Node value_;
  SuiteReadState& state_;
  Step& step_;
  std::optional<MappingReader> mapping_;
};

}  // namespace hurdle
