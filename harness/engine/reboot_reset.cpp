#include "engine/reboot_reset.hpp"

#include "core/error.hpp"
#include "suite/step_names.hpp"

namespace hurdle {

void RebootReset::boot_afresh() {
  kept_.reset();
  machine_.boot_anew(boot_);
  fresh_ = true;
}

void RebootReset::prepare() { boot_afresh(); }

StartedMachine RebootReset::start(const std::string& tag) {
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

void RebootReset::roll_back(const std::string& /*tag*/) {
  // The next start boots afresh; a chained retry cannot go back.
  kept_.reset();
  fresh_ = false;
}

}  // namespace hurdle
