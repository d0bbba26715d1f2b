#include "scenario/clone_reset.hpp"

#include "core/error.hpp"
#include "scenario/step_names.hpp"

namespace hurdle {

namespace fs = std::filesystem;

CloneReset::CloneReset(std::shared_ptr<TemplateSource> source, MachineOptions options,
                       bool prepares)
    : source_(std::move(source)), options_(std::move(options)), prepares_(prepares) {}

CloneReset::~CloneReset() {
  std::lock_guard lock(mutex_);
  held_.clear();
  current_.reset();  // each clone's QEMU is killed: its disks are thrown away
}

void CloneReset::prepare() {
  {
    std::lock_guard lock(mutex_);
    held_.clear();
    current_.reset();
  }
  untouched_.clear();
  if (prepares_) source_->prepare();
}

StartedMachine CloneReset::start(const std::string& tag) {
  if (tag == kPristineTag) {
    {
      std::lock_guard lock(mutex_);
      current_.reset();  // killed now, unless an end state keeps it
    }
    std::shared_ptr<Machine> clone = source_->clone(options_);
    std::lock_guard lock(mutex_);
    current_ = std::move(clone);
    return {*current_, true};
  }
  const auto held = held_.find(tag);
  if (held == held_.end()) throw Error("reset: clone: no kept state " + tag);
  {
    std::lock_guard lock(mutex_);
    current_ = held->second;
  }
  const auto untouched = untouched_.find(current_.get());
  const bool restore = untouched == untouched_.end() || untouched->second != tag;
  if (restore) current_->restore(tag);
  untouched_.erase(current_.get());
  return {*current_, restore};
}

void CloneReset::roll_back(const std::string& tag) {
  if (tag == kPristineTag) {
    // The failed clone goes now; the next start makes a new one.
    std::lock_guard lock(mutex_);
    untouched_.erase(current_.get());
    current_.reset();
    return;
  }
  current_->restore(tag);
  untouched_[current_.get()] = tag;
}

void CloneReset::keep(const std::string& tag) {
  current_->snapshot(tag);
  std::lock_guard lock(mutex_);
  held_[tag] = current_;
  untouched_[current_.get()] = tag;
}

void CloneReset::drop(const std::string& tag) {
  std::shared_ptr<Machine> clone;
  {
    std::lock_guard lock(mutex_);
    const auto it = held_.find(tag);
    if (it == held_.end()) return;
    clone = std::move(it->second);
    held_.erase(it);
  }
  const auto untouched = untouched_.find(clone.get());
  if (untouched != untouched_.end() && untouched->second == tag) untouched_.erase(untouched);
  if (clone.use_count() > 1) {
    // Still in use (current, or holding another end state): the snapshot's copy of the RAM goes.
    clone->remove_snapshot(tag);
  } else {
    untouched_.erase(clone.get());
    std::lock_guard lock(mutex_);
    clone.reset();
  }
}

void CloneReset::crash() {
  std::lock_guard lock(mutex_);
  if (current_) current_->crash();
  for (auto& [tag, clone] : held_) clone->crash();
}

}  // namespace hurdle
