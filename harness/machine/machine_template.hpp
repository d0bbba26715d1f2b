// A booted, provisioned machine frozen so that clones start from it in milliseconds instead
// of booting: its RAM in a file (written shared while the template ran; each clone maps it
// privately, copy-on-write), its device state saved without the RAM (QEMU's x-ignore-shared),
// its disks frozen as the backing files of each clone's overlays, and the SSH keys. Made by
// Machine::save_template, started by Machine::clone; the boot cache (engine/boot_cache)
// keeps templates across runs. The folder's manifest is SavedMachine's, with `ram` set.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "machine/saved_machine.hpp"
#include "qemu/machine_profile.hpp"

namespace hurdle {

// Why a machine of `profile` cannot be cloned, if it cannot: a disk written in place (clones
// would share it), or QEMU arguments of the profile's own that place the guest's RAM.
[[nodiscard]] std::optional<std::string> clone_obstacle(const MachineProfile& profile);

class MachineTemplate {
 public:
  // Opens the template in `folder` for `profile` (the one it was made with: the caller
  // knows). Checks what a clone needs: the manifest, the RAM file of the profile's memory
  // size, the state with its sha256, and each frozen disk. Throws ImageError naming what is
  // missing or damaged (a template to discard and make anew).
  static MachineTemplate open(const std::filesystem::path& folder, MachineProfile profile);

  [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }
  [[nodiscard]] const SavedMachine& manifest() const { return manifest_; }
  [[nodiscard]] const MachineProfile& profile() const { return profile_; }

 private:
  std::filesystem::path folder_;
  SavedMachine manifest_;
  MachineProfile profile_;
};

}  // namespace hurdle
