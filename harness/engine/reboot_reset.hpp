// `reset: reboot`: the machine started afresh (boot, login, provisioning) for every scenario
// but the first after a boot: the slowest mode, for comparison and for machines that can be
// neither cloned nor snapshotted (a live ISO). An end state can only be continued on the
// machine that reached it, by the next scenario to run.
#pragma once

#include <optional>

#include "engine/reset_strategy.hpp"

namespace hurdle {

class RebootReset : public ResetStrategy {
 public:
  explicit RebootReset(Boot boot) : boot_(std::move(boot)) {}

  [[nodiscard]] Suite::Reset mode() const override { return Suite::Reset::kReboot; }
  void prepare() override;
  StartedMachine start(const std::string& tag) override;
  void roll_back(const std::string& tag) override;
  void keep(const std::string& tag) override { kept_ = tag; }
  void drop(const std::string& tag) override {
    if (kept_ == tag) kept_.reset();
  }
  [[nodiscard]] bool holds(const std::string& tag) const override { return kept_ == tag; }
  [[nodiscard]] Machine* machine() override { return machine_.get(); }
  void crash() override { machine_.crash(); }

 private:
  void boot_afresh();

  Boot boot_;
  MachineSlot machine_;
  bool fresh_ = false;               // booted, and no scenario ran on it yet
  std::optional<std::string> kept_;  // the end state the machine is in now
};

}  // namespace hurdle
