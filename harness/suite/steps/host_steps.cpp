#include "suite/steps/host_steps.hpp"

#include <re2/re2.h>

#include "config/yaml_reader.hpp"
#include "core/name_rules.hpp"
#include "host/host_service.hpp"
#include "suite/step.hpp"
#include "suite/step_executor.hpp"
#include "suite/step_reader.hpp"

namespace hurdle {

HostServe HostServe::read(StepReader& r) {
  HostServe s;
  const YAML::Node name = r.scalar_or("name");
  s.name = as_string(name, r.file());
  if (!valid_name(s.name))
    r.fail(name,
           "expected a service name (letters, digits, '_' and '-'; it names the variables "
           "NAME_host and NAME_port), found '" +
               s.name + "'");
  if (!r.state().services.insert(s.name).second)
    r.fail(name, "a second host service named '" + s.name + "' in the same steps");
  if (r.has("reply")) s.reply = r.state().text(r.get("reply"));
  if (r.has("protocol")) {
    const std::string protocol = as_string(r.get("protocol"), r.file());
    if (protocol == "line")
      s.protocol = Protocol::kLine;
    else if (protocol != "http")
      r.fail(r.get("protocol"), "expected protocol http or line, found '" + protocol + "'");
  }
  r.captures() = {s.name + "_host", s.name + "_port"};
  return s;
}
void HostServe::expand(const TextExpander&) {}
std::string HostServe::describe(const Step& step) const { return described(step, name); }
nlohmann::json HostServe::inputs(const Step&) const {
  return {{"name", name},
          {"reply", reply},
          {"protocol", protocol == Protocol::kLine ? "line" : "http"}};
}
void HostServe::run(const Step& step, StepExecutor& x) const {
  if (x.service(name) != nullptr)
    throw StepFailed(step, "a new service name", "'" + name + "' is serving already");
  HostServiceOptions options;
  options.name = name;
  options.reply = reply;
  options.protocol = protocol == Protocol::kLine ? HostServiceOptions::Protocol::kLine
                                                 : HostServiceOptions::Protocol::kHttp;
  Machine& machine = x.machine();
  options.log = [&machine](const std::string& line) { machine.note(line); };
  auto service = std::make_unique<HostService>(std::move(options));
  const std::string port = std::to_string(service->port());
  x.add_service(name, std::move(service));
  x.set_variable(name + "_host", kGuestSideHostAddress);
  x.set_variable(name + "_port", port);
  machine.note("host service " + name + " (" + (protocol == Protocol::kLine ? "line" : "http") +
               ") on 127.0.0.1:" + port + ", for the guest " + kGuestSideHostAddress + ":" + port);
}

HostExpect HostExpect::read(StepReader& r) {
  MappingReader& m = r.require_mapping("{service, matches}");
  HostExpect s;
  const YAML::Node service = m.require("service");
  s.service = as_string(service, r.file());
  const auto& started = r.state().services;
  if (started.count(s.service) == 0) {
    std::string names;
    for (const auto& name : started) names += (names.empty() ? "" : ", ") + name;
    r.fail(service, "no host service '" + s.service +
                        "' started before this step in the same steps (" +
                        (names.empty() ? std::string("none is") : names + " are") +
                        "): host.serve it first");
  }
  s.pattern = r.state().regex(m.require("matches"), &r.captures());
  r.read_timeout();
  return s;
}
void HostExpect::expand(const TextExpander& expand) { expand(pattern); }
std::string HostExpect::describe(const Step& step) const {
  return described(step, service + " '" + pattern + "'");
}
nlohmann::json HostExpect::inputs(const Step&) const {
  return {{"service", service}, {"matches", pattern}};
}
void HostExpect::run(const Step& step, StepExecutor& x) const {
  HostService* found = x.service(service);
  if (found == nullptr)
    throw StepFailed(step, "a host service started by host.serve", "no '" + service + "'");
  Machine& machine = x.machine();
  if (!machine.running()) machine.throw_if_exited(std::chrono::milliseconds(0));
  const auto request =
      found->wait_for_request(RE2(pattern), x.timeout_of(step), machine.process().exit_fd());
  if (!request) machine.throw_if_exited();
  if (!request) throw StepFailed(step, "a request", "QEMU ended first");
  x.capture(pattern, request->text);
}

}  // namespace hurdle
