// `reset: snapshot`: one machine for the suite. `pristine` and the kept end states are
// internal snapshots in its overlays; a start restores one, unless the machine is still in it
// untouched (just saved, or just rolled back to).
#pragma once

#include <optional>
#include <set>

#include "engine/reset_strategy.hpp"
#include "suite/step_names.hpp"

namespace hurdle {

template <ResettableMachine M>
class BasicSnapshotReset : public BasicResetStrategy<M> {
 public:
  using Boot = typename BasicResetStrategy<M>::Boot;
  explicit BasicSnapshotReset(Boot boot) : boot_(std::move(boot)) {}

  [[nodiscard]] Suite::Reset mode() const override { return Suite::Reset::kSnapshot; }

  void prepare() override {
    kept_.clear();
    untouched_at_.reset();
    machine_.boot_anew(boot_);
    machine_->snapshot(kPristineTag);
    untouched_at_ = kPristineTag;
  }

  BasicStartedMachine<M> start(const std::string& tag) override {
    // Restored already by a rollback, or just saved: restoring again would change nothing.
    const bool restore = untouched_at_ != tag;
    if (restore) machine_->restore(tag);
    untouched_at_.reset();
    return {*machine_, restore, restore ? "a restore of " + tag : "still in " + tag};
  }

  void roll_back(const std::string& tag) override {
    untouched_at_.reset();
    machine_->restore(tag);
    untouched_at_ = tag;
  }

  void keep(const std::string& tag) override {
    machine_->snapshot(tag);
    kept_.insert(tag);
    untouched_at_ = tag;
  }

  void drop(const std::string& tag) override {
    if (kept_.erase(tag) == 0) return;
    if (untouched_at_ == tag) untouched_at_.reset();
    // Each end state holds a copy of the guest's RAM in the overlay.
    machine_->delete_snapshot(tag);
  }

  [[nodiscard]] bool holds(const std::string& tag) const override { return kept_.count(tag) > 0; }
  [[nodiscard]] M* machine() override { return machine_.get(); }
  void crash() override { machine_.crash(); }

 private:
  Boot boot_;
  BasicMachineSlot<M> machine_;
  std::set<std::string> kept_;  // end states
  // The snapshot the machine is in, unchanged since it was saved or restored.
  std::optional<std::string> untouched_at_;
};

extern template class BasicSnapshotReset<Machine>;
using SnapshotReset = BasicSnapshotReset<Machine>;

}  // namespace hurdle
