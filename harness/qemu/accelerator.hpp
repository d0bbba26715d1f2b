// Chooses between KVM and TCG. `auto` takes KVM only when /dev/kvm opens *and* a probe guest
// (a few bytes of real-mode code run as the BIOS) gets through 100,000 port writes, one VM
// exit each, within a deadline, since nested KVM opens fine but can be slower than TCG (seen
// here: ~7.5 µs an exit, and a GRUB boot of 28 s). The choice and its reason are logged.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "qemu/machine_profile.hpp"

namespace hurdle {

struct AcceleratorChoice {
  Accelerator accel = Accelerator::kTcg;
  std::string reason;  // one line, e.g. "KVM took 0.80 s for the probe (limit 0.40 s); using TCG"
};

struct KvmProbeLimits {
  std::chrono::milliseconds loop_limit{400};      // the 100,000 exits must take less than this
  std::chrono::milliseconds start_limit{10'000};  // QEMU start up to the probe's first byte
};

// `requested` kvm or tcg is taken as it is; auto probes.
AcceleratorChoice choose_accelerator(Accelerator requested, const std::string& qemu_binary,
                                     const KvmProbeLimits& limits = {});

// "auto", "kvm" or "tcg"; throws ConfigError naming `where` otherwise.
Accelerator parse_accelerator(const std::string& text, const std::string& where);

// HURDLE_ACCEL from the environment, when set.
std::optional<Accelerator> accelerator_from_environment();

}  // namespace hurdle
