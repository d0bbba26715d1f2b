// Services on the host that the guest reaches through QEMU's user network: host.serve starts one
// (${NAME_host} and ${NAME_port} say where the guest finds it), host.expect waits for what the
// guest sent it. The executor owns each service for as long as it lives: its scenario, or the
// provisioning. HostService (host/host_service.hpp).
#pragma once

#include <string>

#include "suite/steps/step_family.hpp"

namespace hurdle {

// host.serve: NAME | {name, reply, protocol: http | line}.
struct HostServe {
  static constexpr std::array<std::string_view, 1> kKeywords{"host.serve"};
  enum class Protocol { kHttp, kLine };
  std::string name;
  std::string reply = "hello from the host\n";
  Protocol protocol = Protocol::kHttp;

  static HostServe read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

// host.expect: {service, matches, timeout}: a request matching `matches` reached the service.
struct HostExpect {
  static constexpr std::array<std::string_view, 1> kKeywords{"host.expect"};
  std::string service;
  std::string pattern;

  static HostExpect read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

}  // namespace hurdle
