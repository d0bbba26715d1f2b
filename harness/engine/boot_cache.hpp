// The boot cache: machine templates (MachineTemplate) kept across runs in the user cache
// folder (templates/KEY/), so that a second run of a suite with the same key never boots. The
// key is a sha256 over everything that shapes the template: the profile's text and QEMU's
// argv built from it (its files by role, not by place), the digests of its disks' bases, kernel,
// initrd and CD, QEMU's binary and version, the accelerator and the CPU model (and the host's
// CPU for `host` under KVM), the suite's variables (a secret's as its digest), login and
// provisioning steps (with the contents of every file an ssh.put sends), and hurdle's version.
// It names no path of this host: a template packed here (pack/template_pack) is found on
// another host with the same inputs.
// The inputs are kept beside each template (key-inputs.json), to see why a key changed.
// A template's RAM file is on tmpfs (/dev/shm/hurdle-UID/CACHE/KEY.ram, CACHE naming the
// cache folder) when it has room, else beside the template. `hurdle cache list|gc` shows and prunes
// them. Each tmpfs folder names the templates folder it belongs to (its file `owner`): when
// that is gone (a test's temporary cache, a build folder removed), its RAM would stay in memory
// until the host reboots, so every run and every gc sweeps such folders (sweep_orphans).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/file_lock.hpp"
#include "qemu/accelerator.hpp"
#include "qemu/machine_profile.hpp"
#include "suite/suite.hpp"

namespace hurdle {

struct TemplateKey {
  std::string hex;        // sha256 of `inputs`
  nlohmann::json inputs;  // what went into it, readable
};

// The key of the template `suite` makes on `profile` (loaded, its image resolved) under
// `accel`. `digest_cache`: where file digests are remembered (image_sha256). Runs `qemu
// --version`. Throws Error when a file it must hash cannot be read.
[[nodiscard]] TemplateKey template_key(const Suite& suite, const MachineProfile& profile,
                                       Accelerator accel,
                                       const std::filesystem::path& digest_cache);

class BootCache {
 public:
  // Where template RAM files go: tmpfs when it has room (the default), or always beside the
  // templates in the cache folder (HURDLE_TEMPLATE_RAM=cache: a host whose /dev/shm is small,
  // as in a container).
  enum class RamPlace { kShm, kCacheFolder };

  // Templates in `root` (CACHE/templates); RAM files in `shm` (a folder of their own on tmpfs,
  // for this root only) or in root.
  BootCache(std::filesystem::path root, RamPlace ram_place,
            std::filesystem::path shm = default_shm_folder());
  // The user's boot cache: user_cache_directory()/templates, or `cache_dir`/templates.
  static BootCache in(const std::filesystem::path& cache_dir);
  [[nodiscard]] static std::filesystem::path default_shm_folder();

  [[nodiscard]] std::filesystem::path folder(const std::string& key) const { return root_ / key; }
  // Held while a template is made or opened: a second run with the same key waits, then
  // uses it. `on_wait` is called before waiting.
  [[nodiscard]] FileLock lock(const std::string& key, const std::function<void()>& on_wait) const;
  // Where the RAM file of `key` goes for a machine of `bytes` of RAM (tmpfs only with room
  // for it and 256 MiB more); the reason for the choice in `why`.
  [[nodiscard]] std::filesystem::path ram_file(const std::string& key, std::uint64_t bytes,
                                               std::string& why) const;
  // Removes template `key` and its RAM file (a damaged one, or gc).
  void discard(const std::string& key) const;
  // Notes that a run used `key` now (gc keeps what was used lately).
  void mark_used(const std::string& key) const;

  struct Entry {
    std::string key;
    std::string machine;  // the profile's name
    std::string suite;
    std::string made_at;  // UTC, ISO 8601
    std::filesystem::file_time_type last_used;
    std::uintmax_t disk_bytes = 0;  // the template's folder
    std::uintmax_t ram_bytes = 0;   // of the RAM file, as allocated (tmpfs is sparse)
    std::filesystem::path ram;
    std::string problem;  // empty: usable
  };
  [[nodiscard]] std::vector<Entry> list() const;
  // Why there is no template for `key` when the cache has one for the same suite (unpacked
  // from another host's pack, or made before a change): the inputs in which the most recently
  // used one differs, e.g. "qemu.version ("QEMU 7.2" here, "QEMU 8.0" in it)". Empty when
  // the cache has none to compare with.
  [[nodiscard]] std::string explain_miss(const TemplateKey& key, const std::string& suite) const;
  // Removes every template not used for `unused_for` or damaged (its RAM file gone after a
  // host reboot, say), the RAM files and unfinished folders no template owns, and with
  // `unused_for` zero every template not in use by a run now. Returns what it removed.
  std::vector<Entry> gc(std::chrono::hours unused_for) const;

  // Removes the folders in `shm_root` (default_shm_folder()) whose templates folder is gone, or
  // that name none (made before they did), and none of whose files a live process maps (a
  // QEMU still running on one). Cheap: a listing, and /proc's maps read only for those.
  struct Swept {
    std::filesystem::path folder;
    std::uintmax_t bytes = 0;  // the memory it held
  };
  static std::vector<Swept> sweep_orphans(const std::filesystem::path& shm_root);

 private:
  std::filesystem::path root_;
  RamPlace ram_place_;
  std::filesystem::path shm_;
};

}  // namespace hurdle
