#include "suite/steps/monitor_steps.hpp"

#include "suite/step.hpp"
#include "suite/step_executor.hpp"
#include "suite/step_names.hpp"
#include "suite/step_reader.hpp"

namespace hurdle {

namespace {

// Whether `reply` contains everything in `expect` (objects by key, arrays and scalars equal).
bool contains(const nlohmann::json& reply, const nlohmann::json& expect) {
  if (expect.is_object()) {
    if (!reply.is_object()) return false;
    for (const auto& [key, value] : expect.items()) {
      if (!reply.contains(key) || !contains(reply.at(key), value)) return false;
    }
    return true;
  }
  return reply == expect;
}

}  // namespace

QmpStep QmpStep::read(StepReader& r) {
  MappingReader& m = r.require_mapping("{command, arguments, expect}");
  QmpStep s;
  s.command = r.state().text(m.require("command"));
  const auto json_of = [&](const YAML::Node& node) {
    if (!node.IsMap()) r.fail(node, "expected a mapping");
    return r.state().json(node);
  };
  if (r.has("arguments")) s.arguments = json_of(r.get("arguments"));
  if (r.has("expect")) s.expect = json_of(r.get("expect"));
  r.read_timeout();
  return s;
}
void QmpStep::expand(const TextExpander& expand) { expand(command); }
std::string QmpStep::describe(const Step& step) const { return described(step, command); }
nlohmann::json QmpStep::inputs(const Step&) const {
  return {{"command", command},
          {"arguments", arguments},
          {"expect", expect ? *expect : nlohmann::json()}};
}
void QmpStep::run(const Step& step, StepExecutor& x) const {
  const auto reply = x.machine().qmp().execute(command, arguments, x.timeout_of(step));
  if (expect && !contains(reply, *expect))
    throw StepFailed(step, "a reply containing " + expect->dump(), reply.dump());
}

Screenshot Screenshot::read(StepReader& r) {
  Screenshot s;
  if (r.is_empty()) return s;
  const YAML::Node name = r.scalar_or("name");
  s.name = r.state().text(name);
  if (auto problem = report_file_problem(r.state().expanded(name, s.name, "captured") + ".png"))
    r.fail(name, *problem);
  return s;
}
void Screenshot::expand(const TextExpander& expand) { expand(name); }
std::string Screenshot::describe(const Step& step) const { return described(step, name); }
nlohmann::json Screenshot::inputs(const Step&) const { return {{"name", name}}; }
void Screenshot::run(const Step& step, StepExecutor& x) const {
  if (auto problem = report_file_problem(name + ".png"))
    throw StepFailed(step, "a file inside the scenario's report folder", *problem);
  x.machine().screenshot(x.files() / (name + ".png"));
}

}  // namespace hurdle
