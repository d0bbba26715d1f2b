// How a scenario gets the machine it starts on: one implementation per `reset:` mode of a
// suite (Suite::Reset), chosen by the runner. Each owns its machines and keeps the states
// scenarios start from: `pristine` (booted, logged in, provisioned) and the end states of
// scenarios that a chained scenario continues (`after:`), only while one is still to run.
//   clone    (clone_reset):    a template made once after provisioning (kept in the boot
//                              cache across runs); each start from pristine is a new clone.
//   snapshot (snapshot_reset): one machine; `pristine` and end states are internal snapshots.
//   reboot   (reboot_reset):   the machine started afresh for each scenario.
// The runner calls them from one thread, except crash(), which the signal watcher calls.
//
// The strategies are written over the machine type (the ResettableMachine concept below):
// the runner uses them over Machine (the aliases at the end), their unit tests over a fake
// that records what was done to it, without QEMU.
#pragma once

#include <concepts>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "machine/machine.hpp"
#include "suite/suite.hpp"

namespace hurdle {

// What a strategy does to a machine: its states (internal snapshots), a line in its log, its
// end. Machine is one.
template <class M>
concept ResettableMachine = requires(M& m, const M& c, const std::string& text) {
  m.snapshot(text);         // saves the state now as `text`, replacing one of that name
  m.restore(text);          // back to it; throws when it cannot
  m.delete_snapshot(text);  // forgets it
  m.note(text);             // a line in the machine's log
  m.crash();                // kills it at once; from any thread
  { c.running() } -> std::convertible_to<bool>;
};

// What start() gives: the machine, and whether it was reset for this start (restored, cloned
// or booted) or was in the state already (untouched since it was saved or rolled back to).
template <ResettableMachine M>
struct BasicStartedMachine {
  M& machine;
  bool reset = true;
  std::string how;  // for machine.log: "a new clone", "a spare clone", "a restore", ...
};

template <ResettableMachine M>
class BasicResetStrategy {
 public:
  // Boots a machine and brings it to the state every scenario starts from (boot markers,
  // login, provisioning). `template_ram` as in MachineOptions: set by clone mode only. Made
  // by the runner, which also keeps what provisioning captured.
  using Boot = std::function<std::unique_ptr<M>(const std::filesystem::path& template_ram)>;

  virtual ~BasicResetStrategy() = default;

  [[nodiscard]] virtual Suite::Reset mode() const = 0;
  // Makes the pristine state (boots, or finds it ready); throws when that fails.
  virtual void prepare() = 0;
  // The machine in state `tag`: kPristineTag, or an end state kept with keep() and not
  // dropped since. Throws when it cannot get there.
  virtual BasicStartedMachine<M> start(const std::string& tag) = 0;
  // After a failed attempt that started from `tag`: the failure's state goes at once (a later
  // start never sees it). Throws when the machine cannot get back; the runner then prepares
  // anew.
  virtual void roll_back(const std::string& tag) = 0;
  // Keeps the machine's state now as `tag`, for a later start(tag).
  virtual void keep(const std::string& tag) = 0;
  // Forgets a kept state no scenario still to run starts from.
  virtual void drop(const std::string& tag) = 0;
  [[nodiscard]] virtual bool holds(const std::string& tag) const = 0;
  // The machine the last start() returned (for artifacts, saving a failed one), or null.
  [[nodiscard]] virtual M* machine() = 0;
  // Kills every QEMU at once (an interrupt); from any thread.
  virtual void crash() = 0;
};

// The one machine of a strategy that keeps one (snapshot, reboot), replaced under a lock so
// that crash(), from the signal watcher's thread, never meets a machine being destroyed.
// Destroying it stops the machine (Machine's destructor: gracefully, then killed).
template <ResettableMachine M>
class BasicMachineSlot {
 public:
  [[nodiscard]] M* get() const { return machine_.get(); }
  M* operator->() const { return machine_.get(); }
  M& operator*() const { return *machine_; }
  // Lets the old machine go, then boots a new one with `boot` (no template RAM).
  void boot_anew(const typename BasicResetStrategy<M>::Boot& boot) {
    {
      std::lock_guard lock(mutex_);
      machine_.reset();
    }
    auto machine = boot({});
    std::lock_guard lock(mutex_);
    machine_ = std::move(machine);
  }
  void crash() {
    std::lock_guard lock(mutex_);
    if (machine_) machine_->crash();
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<M> machine_;
};

using StartedMachine = BasicStartedMachine<Machine>;
using ResetStrategy = BasicResetStrategy<Machine>;
using MachineSlot = BasicMachineSlot<Machine>;

}  // namespace hurdle
