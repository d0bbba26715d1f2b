#include "engine/snapshot_reset.hpp"

#include "suite/step_names.hpp"

namespace hurdle {

void SnapshotReset::prepare() {
  kept_.clear();
  untouched_at_.reset();
  machine_.boot_anew(boot_);
  machine_->snapshot(kPristineTag);
  untouched_at_ = kPristineTag;
}

StartedMachine SnapshotReset::start(const std::string& tag) {
  // Restored already by a rollback, or just saved: restoring again would change nothing.
  const bool restore = untouched_at_ != tag;
  if (restore) machine_->restore(tag);
  untouched_at_.reset();
  return {*machine_, restore, restore ? "a restore of " + tag : "still in " + tag};
}

void SnapshotReset::roll_back(const std::string& tag) {
  untouched_at_.reset();
  machine_->restore(tag);
  untouched_at_ = tag;
}

void SnapshotReset::keep(const std::string& tag) {
  machine_->snapshot(tag);
  kept_.insert(tag);
  untouched_at_ = tag;
}

void SnapshotReset::drop(const std::string& tag) {
  if (kept_.erase(tag) == 0) return;
  if (untouched_at_ == tag) untouched_at_.reset();
  // Each end state holds a copy of the guest's RAM in the overlay.
  machine_->delete_snapshot(tag);
}

}  // namespace hurdle
