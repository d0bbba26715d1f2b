// Chooses between KVM and TCG. `auto` takes KVM only when /dev/kvm opens *and* a probe guest
// (a few bytes of real-mode code run as the BIOS) gets through 100,000 port writes, one VM
// exit each, within a deadline, since nested KVM opens fine but can be slower than TCG (seen
// here: ~7.5 µs an exit, and a GRUB boot of 28 s). The choice and its reason are logged.
// The probe costs up to a second, so its verdict is cached for the rest of the host's boot
// (keyed by /proc/sys/kernel/random/boot_id, the QEMU binary and the loop limit).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "qemu/machine_profile.hpp"

namespace hurdle {

struct AcceleratorChoice {
  Accelerator accel = Accelerator::kTcg;
  std::string reason;  // one line, e.g. "KVM took 0.80 s for the probe (limit 0.40 s); using TCG"
  bool from_cache = false;  // the verdict of an earlier probe during this boot
};

struct KvmProbeLimits {
  std::chrono::milliseconds loop_limit{400};      // the 100,000 exits must take less than this
  std::chrono::milliseconds start_limit{10'000};  // QEMU start up to the probe's first byte
};

// `requested` kvm or tcg is taken as it is; auto probes. With a `cache_dir` (usually
// user_cache_directory()), a verdict already reached during this boot is reused from
// accel-probe.json there, and a new one is stored; empty: always probe.
AcceleratorChoice choose_accelerator(Accelerator requested, const std::string& qemu_binary,
                                     const KvmProbeLimits& limits = {},
                                     const std::filesystem::path& cache_dir = {});

// "auto", "kvm" or "tcg"; throws ConfigError naming `where` otherwise.
Accelerator parse_accelerator(const std::string& text, const std::string& where);

// HURDLE_ACCEL from the environment, when set.
std::optional<Accelerator> accelerator_from_environment();

// The one place a machine's accelerator is chosen: `asked` (an option: MachineOptions::accel,
// `hurdle run --accel`) when set, else HURDLE_ACCEL when set, else the profile's `accel:`;
// then choose_accelerator() with the verdict cache in `cache_dir`. Machine::launch and the
// template key of the boot cache both use it, so a template is keyed by the accelerator its
// machines get.
AcceleratorChoice choose_machine_accelerator(const MachineProfile& profile,
                                             std::optional<Accelerator> asked,
                                             const std::filesystem::path& cache_dir);

}  // namespace hurdle
