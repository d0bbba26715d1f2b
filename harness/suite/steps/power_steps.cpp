#include "suite/steps/power_steps.hpp"

#include "config/yaml_reader.hpp"
#include "suite/step.hpp"
#include "suite/step_executor.hpp"
#include "suite/step_reader.hpp"

namespace hurdle {

Reboot Reboot::read(StepReader& r) {
  r.refuse_scalar("{} or {hard: true}");
  Reboot s;
  if (r.has("hard")) s.hard = as_bool(r.get("hard"), r.file());
  r.read_timeout();
  return s;
}
void Reboot::expand(const TextExpander&) {}
std::string Reboot::describe(const Step& step) const { return described(step, ""); }
nlohmann::json Reboot::inputs(const Step&) const { return {{"hard", hard}}; }
void Reboot::run(const Step&, StepExecutor& x) const { x.machine().reboot(hard); }

PowerOff PowerOff::read(StepReader& r) {
  PowerOff s;
  if (r.is_scalar())
    s.command = r.state().text(r.value());
  else if (r.has("command"))
    s.command = r.state().text(r.get("command"));
  r.read_timeout();
  return s;
}
void PowerOff::expand(const TextExpander& expand) {
  if (command) expand(*command);
}
std::string PowerOff::describe(const Step& step) const {
  return described(step, command.value_or(""));
}
nlohmann::json PowerOff::inputs(const Step&) const {
  return {{"command", command ? nlohmann::json(*command) : nlohmann::json()}};
}
void PowerOff::run(const Step& step, StepExecutor& x) const {
  (void)x.machine().power_off(command, step.timeout);
}

PowerOn PowerOn::read(StepReader& r) {
  r.refuse_scalar("{} or {timeout}");
  r.read_timeout();
  return {};
}
void PowerOn::expand(const TextExpander&) {}
std::string PowerOn::describe(const Step& step) const { return described(step, ""); }
nlohmann::json PowerOn::inputs(const Step&) const { return nlohmann::json::object(); }
void PowerOn::run(const Step& step, StepExecutor& x) const { x.machine().power_on(step.timeout); }

}  // namespace hurdle
