// Snapshots of the whole machine (RAM, devices, disks) taken and restored by a scenario:
// snapshot.save, snapshot.restore and snapshot.delete, as Machine::snapshot, restore and
// delete_snapshot (and `hurdle vm snapshot save|restore|delete`, MCP snapshot_save|...). The
// runner's own tags (`pristine`, end states) are refused.
#pragma once

#include <string>

#include "suite/steps/step_family.hpp"

namespace hurdle {

// snapshot.save: TAG | {tag}; snapshot.restore: TAG | {tag}; snapshot.delete: TAG | {tag}.
struct SnapshotStep {
  static constexpr std::array<std::string_view, 3> kKeywords{"snapshot.save", "snapshot.restore",
                                                             "snapshot.delete"};
  enum class Action { kSave, kRestore, kDelete };
  Action action = Action::kSave;
  std::string tag;

  static SnapshotStep read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

}  // namespace hurdle
