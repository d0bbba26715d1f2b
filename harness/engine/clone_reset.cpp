#include "engine/clone_reset.hpp"

#include "core/error.hpp"
#include "suite/step_names.hpp"

namespace hurdle {

namespace fs = std::filesystem;

CloneReset::CloneReset(std::shared_ptr<TemplateSource> source, MachineOptions options,
                       bool prepares, bool spare)
    : source_(std::move(source)),
      options_(std::move(options)),
      prepares_(prepares),
      use_spare_(spare) {}

CloneReset::~CloneReset() {
  discard_spare();
  std::lock_guard lock(mutex_);
  held_.clear();
  current_.reset();  // each clone's QEMU is killed: its disks are thrown away
}

MachineOptions CloneReset::next_options() {
  MachineOptions o = options_;
  o.log_dir = options_.log_dir / ("clone-" + std::to_string(++clones_));
  return o;
}

void CloneReset::start_spare() {
  if (!use_spare_) return;
  spare_ = std::async(std::launch::async, [source = source_, options = next_options()] {
    return source->clone(options);
  });
}

std::shared_ptr<Machine> CloneReset::take_spare() {
  if (!spare_.valid()) return nullptr;
  try {
    std::shared_ptr<Machine> spare = spare_.get();
    if (spare->running()) return spare;
  } catch (const std::exception&) {
    // Made anew below, where its error is reported.
  }
  return nullptr;
}

void CloneReset::discard_spare() {
  if (!spare_.valid()) return;
  try {
    (void)spare_.get();  // its QEMU is killed as it goes
  } catch (const std::exception&) {
  }
}

void CloneReset::prepare() {
  discard_spare();
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
    std::shared_ptr<Machine> clone = take_spare();
    const bool spare = clone != nullptr;
    if (!clone) clone = source_->clone(next_options());
    {
      std::lock_guard lock(mutex_);
      current_ = std::move(clone);
    }
    start_spare();
    return {*current_, true, spare ? "a spare clone" : "a new clone"};
  }
  const auto held = held_.find(tag);
  if (held == held_.end()) throw TemplateError("reset: clone: no kept state " + tag);
  {
    std::lock_guard lock(mutex_);
    current_ = held->second;
  }
  const auto untouched = untouched_.find(current_.get());
  const bool restore = untouched == untouched_.end() || untouched->second != tag;
  if (restore) current_->restore(tag);
  untouched_.erase(current_.get());
  return {*current_, restore, restore ? "a restore of " + tag : "still in " + tag};
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
    clone->delete_snapshot(tag);
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
