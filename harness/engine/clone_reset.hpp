// `reset: clone`: every start from `pristine` is a new clone of the suite's template
// (TemplateSource: made once after provisioning, or found in the boot cache), ready in
// milliseconds instead of a boot; the last clone is thrown away. The next clone is started in
// the background as soon as one is taken (a spare: QEMU up, state loaded, the guest proven
// alive), so that the next start only swaps it in. Each clone logs in a folder of its own
// (LANE/clone-N/). A kept end state is an internal snapshot in the clone that reached it,
// which lives on while a chained scenario still needs it. With `hurdle run -j N` each lane has
// a CloneReset of its own over one TemplateSource.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/error.hpp"
#include "engine/reset_strategy.hpp"
#include "engine/template_source.hpp"
#include "suite/step_names.hpp"

namespace hurdle {

// Where clones come from: TemplateSource for the runner, a fake in the unit tests.
template <class S, class M>
concept CloneSource = requires(S& s, const MachineOptions& options) {
  s.prepare();
  { s.clone(options) } -> std::same_as<std::unique_ptr<M>>;
};

template <ResettableMachine M, CloneSource<M> Source>
class BasicCloneReset : public BasicResetStrategy<M> {
 public:
  // `prepares`: this lane's prepare() makes (or opens) the template; the other lanes' only
  // forget their clones. `options`: the clones' (this lane's logs).
  // `spare`: keep the next clone ready in the background.
  BasicCloneReset(std::shared_ptr<Source> source, MachineOptions options, bool prepares,
                  bool spare = true)
      : source_(std::move(source)),
        options_(std::move(options)),
        prepares_(prepares),
        use_spare_(spare) {}

  ~BasicCloneReset() override {
    discard_spare();
    std::lock_guard lock(mutex_);
    held_.clear();
    current_.reset();  // each clone's QEMU is killed: its disks are thrown away
  }

  [[nodiscard]] Suite::Reset mode() const override { return Suite::Reset::kClone; }

  void prepare() override {
    discard_spare();
    {
      std::lock_guard lock(mutex_);
      held_.clear();
      current_.reset();
    }
    untouched_.clear();
    if (prepares_) source_->prepare();
  }

  BasicStartedMachine<M> start(const std::string& tag) override {
    if (tag == kPristineTag) return start_clone();
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

  void roll_back(const std::string& tag) override {
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

  void keep(const std::string& tag) override {
    current_->snapshot(tag);
    std::lock_guard lock(mutex_);
    held_[tag] = current_;
    untouched_[current_.get()] = tag;
  }

  void drop(const std::string& tag) override {
    std::shared_ptr<M> clone;
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
      // Still in use (current, or holding another end state): the snapshot's RAM goes.
      clone->delete_snapshot(tag);
    } else {
      untouched_.erase(clone.get());
      std::lock_guard lock(mutex_);
      clone.reset();
    }
  }

  [[nodiscard]] bool holds(const std::string& tag) const override { return held_.count(tag) > 0; }
  [[nodiscard]] M* machine() override { return current_.get(); }

  void crash() override {
    std::lock_guard lock(mutex_);
    if (current_) current_->crash();
    for (auto& [tag, clone] : held_) clone->crash();
  }

  [[nodiscard]] Source& source() { return *source_; }

 private:
  BasicStartedMachine<M> start_clone() {
    {
      std::lock_guard lock(mutex_);
      current_.reset();  // killed now, unless an end state keeps it
    }
    std::shared_ptr<M> clone = take_spare();
    const bool spare = clone != nullptr;
    if (!clone) clone = source_->clone(next_options());
    {
      std::lock_guard lock(mutex_);
      current_ = std::move(clone);
    }
    start_spare();
    return {*current_, true, spare ? "a spare clone" : "a new clone"};
  }

  // The options of the next clone: its own log folder in the lane's.
  MachineOptions next_options() {
    MachineOptions o = options_;
    o.log_dir = options_.log_dir / ("clone-" + std::to_string(++clones_));
    return o;
  }

  void start_spare() {
    if (!use_spare_) return;
    spare_ = std::async(std::launch::async, [source = source_, options = next_options()] {
      return source->clone(options);
    });
  }

  // The spare when it is ready and running (waiting for it if it is being made); else null.
  std::shared_ptr<M> take_spare() {
    if (!spare_.valid()) return nullptr;
    try {
      std::shared_ptr<M> spare = spare_.get();
      if (spare->running()) return spare;
    } catch (const std::exception&) {
      // Made anew by the caller, where its error is reported.
    }
    return nullptr;
  }

  void discard_spare() {
    if (!spare_.valid()) return;
    try {
      (void)spare_.get();  // its QEMU is killed as it goes
    } catch (const std::exception&) {
    }
  }

  std::shared_ptr<Source> source_;
  MachineOptions options_;
  bool prepares_;
  bool use_spare_;
  std::size_t clones_ = 0;
  std::future<std::unique_ptr<M>> spare_;
  std::mutex mutex_;  // guards current_ and held_ against crash()
  std::shared_ptr<M> current_;
  std::map<std::string, std::shared_ptr<M>> held_;  // end state -> the clone in it
  std::map<const M*, std::string> untouched_;       // clone -> the state it is still in
};

extern template class BasicCloneReset<Machine, TemplateSource>;
using CloneReset = BasicCloneReset<Machine, TemplateSource>;

}  // namespace hurdle
