// Where the clones of a suite come from: its machine template, made once (booted, provisioned,
// then Machine::save_template) or found in the boot cache, and shared by every CloneReset of
// the suite (one per parallel lane with `hurdle run -j N`). A template that does not give a
// clone is discarded and made anew once; a second failure is the run's error. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/log_file.hpp"
#include "core/private_folder.hpp"
#include "engine/boot_cache.hpp"
#include "engine/reset_strategy.hpp"
#include "machine/machine_template.hpp"

namespace hurdle {

class TemplateSource {
 public:
  struct Settings {
    MachineProfile profile;  // loaded, its image resolved
    TemplateKey key;
    std::optional<BootCache> cache;    // unset: a template for this run only
    std::filesystem::path log_dir;     // the suite's machine/ (its machine.log)
    std::filesystem::path work_dir;    // where a run-only template goes
    std::vector<std::string> secrets;  // masked in the log
    Variables profile_variables;       // what the profile was loaded with
    std::string image;
    std::string suite;
    Variables variables;  // the suite's (a secret's value is not kept with it)
    // The names provisioning captures: the only values a template found in the cache gives
    // the run (a cached template may come from a pack someone else wrote).
    std::set<std::string> captured;
    std::filesystem::path digest_cache;  // where image digests are remembered
  };
  // `boot` makes the machine a template is made of; `provisioned`: the runner's variables
  // after provisioning, saved with a template made here and set from one found in the cache.
  TemplateSource(ResetStrategy::Boot boot, Settings settings, Variables& provisioned);

  // Opens the cached template or makes one. Throws what the boot threw when the machine did
  // not boot, TemplateError when anything else failed.
  void prepare();
  // A new clone of the template (making it anew once if it fails); `options` as for
  // Machine::clone. Throws TemplateError when even a new template gives none.
  std::unique_ptr<Machine> clone(const MachineOptions& options);

  // Whether prepare() found the template in the boot cache (no boot).
  [[nodiscard]] bool from_cache() const;
  // What happened that a report should say (a damaged template made anew); taken once.
  std::vector<std::string> take_notes();

 private:
  void note(const std::string& line);
  void prepare_template();
  // Boots, provisions and makes the template in `folder` (published whole, by a rename).
  void make_template(const std::filesystem::path& folder);
  // Points a cached template's frozen disks at this host's bases (checked by their digests)
  // when it was made over bases elsewhere (unpacked from another host's pack).
  void relocate(const std::filesystem::path& folder);
  // The variables kept with the template: the provisioned ones, less any holding a secret.
  [[nodiscard]] nlohmann::json variables_to_keep() const;
  // The run's variables with the captured values of a cached template's variables.json.
  [[nodiscard]] Variables cached_variables(const std::filesystem::path& file) const;

  ResetStrategy::Boot boot_;
  Settings settings_;
  Variables& provisioned_;
  LogFile log_;
  mutable std::mutex mutex_;  // guards everything below
  std::unique_ptr<PrivateFolder> run_template_;
  std::shared_ptr<const MachineTemplate> template_;
  bool from_cache_ = false;
  bool remade_ = false;  // the one remake after a damaged template is spent
  std::vector<std::string> notes_;
};

}  // namespace hurdle
