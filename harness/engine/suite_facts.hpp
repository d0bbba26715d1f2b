// What reports say of a suite's run beside its scenarios, as data the engine gives its
// observers (RunObserver::suite_facts): how scenarios got their machine, and what that
// machine was. Nothing in it needs a machine that is still there.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "machine/machine_facts.hpp"
#include "suite/suite.hpp"

namespace hurdle {

struct SuiteFacts {
  Suite::Reset reset = Suite::Reset::kClone;
  std::string reset_reason;  // "as the suite asks", or why another mode was taken
  std::string boot_cache;    // "made" (booted, then a template), "used" (no boot), or empty
  // Unset until a machine of the suite ran (a boot that failed gives none).
  std::optional<MachineFacts> machine;
  // Per disk node of a machine whose image is not a prepared one from the lock (whose digests
  // the lock gives): its file's sha256, or "unavailable: WHY".
  std::map<std::string, std::string> image_sha256;

  friend bool operator==(const SuiteFacts& a, const SuiteFacts& b) {
    return a.reset == b.reset && a.reset_reason == b.reset_reason && a.boot_cache == b.boot_cache &&
           a.machine.has_value() == b.machine.has_value() && a.image_sha256 == b.image_sha256;
  }
};

}  // namespace hurdle
