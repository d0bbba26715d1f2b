// A machine saved to a folder at one moment, to be started again there or on another host
// (`hurdle run --keep-failed-state`, `hurdle resume`): its RAM and device state as QEMU's
// migration stream (machine.state.gz), each overlay disk's changes as a compact qcow2 over its
// base (DISK.qcow2: no snapshots, only what the guest changed), the SSH key the guest trusts
// when it is not the profile's own, and saved-machine.json: which profile (by name and
// sha256) with which variables and image, what each base is (its lock entry and digests, or
// its sha256), the pinned SSH host key, and why it was saved. Reading one is outside input:
// anything missing or malformed is a ConfigError naming the file. A template of the boot cache
// has the same manifest, with its RAM in a file of its own (`ram`).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/variables.hpp"
#include "qemu/machine_profile.hpp"

namespace hurdle {

struct SavedDisk {
  std::string node_name;  // the profile's disk name
  std::string saved;      // the file in the folder (NODE.qcow2)
  std::string base_format;
  std::filesystem::path base;  // where the base was on the saving host
  std::string base_sha256;     // of a plain base file; empty for a lock entry's
  std::string lock_entry;      // a prepared image: the lock entry, with its artifact and recipe
  std::string artifact;
  std::string recipe;
};

struct SavedMachine {
  static constexpr int kFormat = 1;
  std::string machine;  // the profile's name
  std::filesystem::path profile_file;
  std::string profile_sha256;
  Variables profile_variables;
  std::string image;  // the lock entry a suite chose instead of the profile's, if any
  std::string qemu_version;
  std::string accelerator;
  std::string state = "machine.state.gz";  // QEMU's migration stream, gzip -1 (".gz")
  // A template's (MachineTemplate): the RAM is not in the state but in this file, which the
  // machine wrote while it ran (shared); the state is then plain, and checked by its sha256.
  std::filesystem::path ram;
  std::string state_sha256;
  // The RAM was QEMU's memory backend `hurdle-ram` (a template's or a clone's), not the
  // board's own: a resume names it the same, or QEMU refuses the state.
  bool ram_backend = false;
  // The shell on the serial console waited at its prompt when the machine was saved: a
  // restored one is proven alive by a marker echoed there.
  bool console_at_prompt = false;
  // A shell was logged in on the serial console (a console-only machine's commands run there).
  bool console_logged_in = false;
  // The profile's command channel answered when it was saved: a restored one is proven alive
  // by a round trip there.
  bool channel_answered = false;
  std::vector<SavedDisk> disks;
  std::string ssh_key;   // the private key file in the folder, when the guest needs one
  std::string host_key;  // "ssh-ed25519 SHA256:..." pinned when it was saved, if any
  std::string saved_at;  // UTC, ISO 8601
  std::string reason;    // e.g. "linux-mini.writes-then-fails failed: ..."

  static constexpr const char* kManifest = "saved-machine.json";
  void write(const std::filesystem::path& folder) const;
  [[nodiscard]] static SavedMachine read(const std::filesystem::path& folder);

  // The checks a resume makes before it starts anything, for the machine saved in `folder`:
  // the profile file it was saved with (where it was, else found by name in `search_path`),
  // ConfigError when none has the saved sha256;
  [[nodiscard]] std::filesystem::path find_profile(
      const std::filesystem::path& folder,
      const std::vector<std::filesystem::path>& search_path) const;
  // that each overlay disk of `profile` was saved here, over the same base (the same lock
  // entry, artifact and recipe, else a file with the same sha256; `cache_dir` keeps image
  // digests): ConfigError or ImageError naming what differs.
  void check_bases(const std::filesystem::path& folder, const MachineProfile& profile,
                   const std::filesystem::path& cache_dir) const;
};

}  // namespace hurdle
