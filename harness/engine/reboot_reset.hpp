// `reset: reboot`: the machine started afresh (boot, login, provisioning) for every scenario
// but the first after a boot: the slowest mode, for comparison and for machines that can be
// neither cloned nor snapshotted (a live ISO). An end state can only be continued on the
// machine that reached it, by the next scenario to run.
#pragma once

#include <optional>

#include "core/error.hpp"
#include "engine/reset_strategy.hpp"
#include "suite/step_names.hpp"

namespace hurdle {

template <ResettableMachine M>
class BasicRebootReset : public BasicResetStrategy<M> {
 public:
  using Boot = typename BasicResetStrategy<M>::Boot;
  explicit BasicRebootReset(Boot boot) : boot_(std::move(boot)) {}

  [[nodiscard]] Suite::Reset mode() const override { return Suite::Reset::kReboot; }
  void prepare() override { boot_afresh(); }

  BasicStartedMachine<M> start(const std::string& tag) override {
    if (tag != kPristineTag) {
      if (kept_ != tag)
        throw ConfigError({}, "reset: reboot cannot go back to " + tag +
                                  ": another scenario ran since (use reset: clone or snapshot)");
      kept_.reset();
      return {*machine_, false, "still in " + tag};
    }
    const bool reboot = !fresh_;
    if (reboot) {
      machine_->note("reset: reboot: starting the machine afresh");
      boot_afresh();
    }
    fresh_ = false;
    kept_.reset();
    return {*machine_, reboot, reboot ? "a fresh boot" : "the first scenario of a boot"};
  }

  void roll_back(const std::string& /*tag*/) override {
    // The next start boots afresh; a chained retry cannot go back.
    kept_.reset();
    fresh_ = false;
  }

  void keep(const std::string& tag) override { kept_ = tag; }
  void drop(const std::string& tag) override {
    if (kept_ == tag) kept_.reset();
  }
  [[nodiscard]] bool holds(const std::string& tag) const override { return kept_ == tag; }
  [[nodiscard]] M* machine() override { return machine_.get(); }
  void crash() override { machine_.crash(); }

 private:
  void boot_afresh() {
    kept_.reset();
    machine_.boot_anew(boot_);
    fresh_ = true;
  }

  Boot boot_;
  BasicMachineSlot<M> machine_;
  bool fresh_ = false;               // booted, and no scenario ran on it yet
  std::optional<std::string> kept_;  // the end state the machine is in now
};

extern template class BasicRebootReset<Machine>;
using RebootReset = BasicRebootReset<Machine>;

}  // namespace hurdle
