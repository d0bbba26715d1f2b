#include "suite/step_reader.hpp"

#include <re2/re2.h>

#include <cstdlib>

#include "suite/step.hpp"

namespace hurdle {

std::string SuiteReadState::expanded(const YAML::Node& node, const std::string& raw,
                                     const std::string& placeholder) const {
  Variables values = known;
  for (const auto& name : captured) values[name] = placeholder;
  return expand_variables(raw, values, location_of(node, file));
}

bool SuiteReadState::uses_captured(const std::string& raw) const {
  for (const auto& name : captured)
    if (raw.find("${" + name + "}") != std::string::npos) return true;
  return false;
}

std::string SuiteReadState::text(const YAML::Node& node) const {
  const std::string raw = as_string(node, file);
  (void)expand_variables(raw, known, location_of(node, file));
  if (secrets != nullptr)
    for (auto& value : secret_values_in(raw)) secrets->push_back(std::move(value));
  return raw;
}

std::string SuiteReadState::regex(const YAML::Node& node,
                                  std::vector<std::string>* captures) const {
  const std::string raw = text(node);
  // Compiled as it will run: suite variables with their values (a value may hold regex
  // syntax), captured ones with a placeholder.
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(expanded(node, raw, "x"), options);
  if (!re.ok()) fail_at(node, file, "invalid regular expression '" + raw + "': " + re.error());
  if (captures != nullptr) {
    for (const auto& [name, index] : re.NamedCapturingGroups()) captures->push_back(name);
  }
  return raw;
}

nlohmann::json SuiteReadState::json(const YAML::Node& n) const {
  if (n.IsMap()) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& kv : n) object[kv.first.Scalar()] = json(kv.second);
    return object;
  }
  if (n.IsSequence()) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& element : n) array.push_back(json(element));
    return array;
  }
  if (n.IsNull()) return nullptr;
  const std::string t = n.Scalar();
  if (n.Tag() != "!") {
    if (t == "true") return true;
    if (t == "false") return false;
    char* end = nullptr;
    const long long i = std::strtoll(t.c_str(), &end, 10);
    if (!t.empty() && end != nullptr && *end == '\0') return i;
  }
  return text(n);
}

std::chrono::milliseconds SuiteReadState::duration(const YAML::Node& node) const {
  const auto d = as_duration(node, file);
  if (d.count() <= 0) fail_at(node, file, "expected a duration above zero");
  return d;
}

StepReader::StepReader(const YAML::Node& item, SuiteReadState& state, Step& step)
    : item_(item), value_(item.begin()->second), state_(state), step_(step) {
  if (!is_scalar() && !is_empty() && !value_.IsMap())
    fail(value_, "expected the " + keyword() + " step's value as text or a mapping");
  if (value_.IsMap()) mapping_.emplace(value_, state_.file, "the " + keyword() + " step");
}

const std::string& StepReader::keyword() const { return step_.keyword; }

YAML::Node StepReader::scalar_or(const char* key) {
  if (is_scalar()) return value_;
  if (is_empty()) fail(item_, keyword() + " needs a value (" + key + ")");
  return mapping_->require(key);
}

MappingReader& StepReader::require_mapping(const std::string& shape) {
  if (!mapping_) fail(where(), "expected " + keyword() + " as " + shape);
  return *mapping_;
}

void StepReader::refuse_scalar(const std::string& shape) {
  if (is_scalar()) fail(value_, "expected " + keyword() + " as " + shape);
}

void StepReader::read_timeout() {
  if (has("timeout")) step_.timeout = state_.duration(get("timeout"));
}

std::vector<std::string>& StepReader::captures() { return step_.captures; }

void StepReader::fail(const YAML::Node& node, const std::string& problem) const {
  fail_at(node, state_.file, problem);
}

void StepReader::finish() {
  if (mapping_) mapping_->finish();
}

}  // namespace hurdle
