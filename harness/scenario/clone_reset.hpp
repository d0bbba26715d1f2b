// `reset: clone`: the machine is booted and provisioned once, then made a template
// (Machine::save_template), kept in the boot cache across runs when there is one; every start
// from `pristine` is a new clone of it (Machine::clone: milliseconds, not a boot). A kept end
// state is an internal snapshot in the clone that reached it, which lives on while a chained
// scenario still needs it. A template that does not give a clone is discarded and made anew
// once (a note says so); a second failure is the run's error.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/log_file.hpp"
#include "machine/machine_template.hpp"
#include "qemu/run_directory.hpp"
#include "scenario/boot_cache.hpp"
#include "scenario/reset_strategy.hpp"

namespace hurdle {

class CloneReset : public ResetStrategy {
 public:
  struct Settings {
    MachineProfile profile;  // loaded, its image resolved
    TemplateKey key;
    std::optional<BootCache> cache;  // unset: a template for this run only, in the work folder
    MachineOptions clone_options;    // logs, secrets, where overlays go
    Variables profile_variables;     // what the profile was loaded with
    std::string image;
    std::string suite;
  };
  // `provisioned`: the runner's variables after provisioning; saved with a template made
  // here, and set from it when the template comes from the cache.
  CloneReset(Boot boot, Settings settings, Variables& provisioned);
  ~CloneReset() override;

  [[nodiscard]] Suite::Reset mode() const override { return Suite::Reset::kClone; }
  void prepare() override;
  StartedMachine start(const std::string& tag) override;
  void roll_back(const std::string& tag) override;
  void keep(const std::string& tag) override;
  void drop(const std::string& tag) override;
  [[nodiscard]] bool holds(const std::string& tag) const override { return held_.count(tag) > 0; }
  [[nodiscard]] Machine* machine() override { return current_.get(); }
  void crash() override;

  // Whether prepare() took the template from the boot cache (no boot).
  [[nodiscard]] bool from_cache() const { return from_cache_; }
  // What happened that a report should say (a damaged template made anew); taken once.
  std::vector<std::string> take_notes() { return std::exchange(notes_, {}); }

 private:
  void note(const std::string& line);
  // Boots, provisions and makes the template in `folder` (published whole, by a rename).
  void make_template(const std::filesystem::path& folder);
  std::shared_ptr<Machine> new_clone();

  Boot boot_;
  Settings settings_;
  Variables& provisioned_;
  LogFile log_;                                 // the suite's machine.log
  std::unique_ptr<RunDirectory> run_template_;  // without a cache: this run's template
  std::optional<MachineTemplate> template_;
  bool from_cache_ = false;
  bool remade_ = false;  // the one remake after a damaged template is spent
  std::vector<std::string> notes_;
  std::mutex mutex_;  // guards current_ and held_ against crash()
  std::shared_ptr<Machine> current_;
  std::map<std::string, std::shared_ptr<Machine>> held_;  // end state -> the clone in it
  std::map<const Machine*, std::string> untouched_;       // clone -> the state it is still in
};

}  // namespace hurdle
