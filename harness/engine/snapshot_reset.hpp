// `reset: snapshot`: one machine for the suite. `pristine` and the kept end states are
// internal snapshots in its overlays; a start restores one, unless the machine is still in it
// untouched (just saved, or just rolled back to).
#pragma once

#include <optional>
#include <set>

#include "engine/reset_strategy.hpp"

namespace hurdle {

class SnapshotReset : public ResetStrategy {
 public:
  explicit SnapshotReset(Boot boot) : boot_(std::move(boot)) {}

  [[nodiscard]] Suite::Reset mode() const override { return Suite::Reset::kSnapshot; }
  void prepare() override;
  StartedMachine start(const std::string& tag) override;
  void roll_back(const std::string& tag) override;
  void keep(const std::string& tag) override;
  void drop(const std::string& tag) override;
  [[nodiscard]] bool holds(const std::string& tag) const override { return kept_.count(tag) > 0; }
  [[nodiscard]] Machine* machine() override { return machine_.get(); }
  void crash() override { machine_.crash(); }

 private:
  Boot boot_;
  MachineSlot machine_;
  std::set<std::string> kept_;  // end states
  // The snapshot the machine is in, unchanged since it was saved or restored.
  std::optional<std::string> untouched_at_;
};

}  // namespace hurdle
