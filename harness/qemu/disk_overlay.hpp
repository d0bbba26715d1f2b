// Per-run qcow2 overlays: every write a machine makes goes into a file on top of its base
// image (qemu-img create -b BASE), so a base image is never written. Machine::launch asks
// make_disk_files() for the files of a profile's disks: one new overlay per disk in `overlay`
// mode, over the base, over a template's frozen disk (a clone: base <- template <- clone), or
// on a saved machine's changes (a resume). Snapshots live in the overlays too. A saved machine
// keeps each overlay's changes as a compact qcow2 of their own, put back on a base when it
// resumes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "disk/qcow2_header.hpp"
#include "qemu/machine_profile.hpp"
#include "qemu/qemu_command.hpp"

namespace hurdle {

// Where an overlay disk starts, when not from the profile's base.
struct OverlayStart {
  enum class How {
    kLayer,  // a new overlay backed by `file` (a template's frozen qcow2, itself on the base)
    kCopy,   // a copy of `file` (a saved machine's changes), pointed at the profile's base
  };
  How how = How::kLayer;
  std::filesystem::path file;
};

// The files QEMU opens for `profile`'s disks, in order, and what is under each.
struct DiskFiles {
  std::vector<std::filesystem::path> files;
  std::vector<std::vector<DiskLayer>> backing;  // QemuLaunch::disk_backing
};

// For each of `profile`'s disks: the disk's own file, or for a disk in overlay mode a new
// qcow2 in `folder` (NODE.overlay.qcow2) over its start in `starts` (by node name), else over
// its base, with the files under it named for QEMU. A start's qcow2 header is checked first
// (check_overlay_confined). Throws ImageError naming a missing or refused disk file.
[[nodiscard]] DiskFiles make_disk_files(const MachineProfile& profile,
                                        const std::filesystem::path& folder,
                                        const std::map<std::string, OverlayStart>& starts = {});

// Why a qcow2 disk with header `h` is not confined, or nothing: it must keep its data in itself
// (no external data file), not be encrypted, use no feature hurdle does not know, and, with
// `base` given, name exactly `base` (absolute) in `base_format` as its backing file. A disk
// from outside thus never reaches another host file through its header.
[[nodiscard]] std::optional<std::string> confinement_problem(const Qcow2Header& h,
                                                             const std::optional<DiskLayer>& base);

// `overlay`'s header, read by hurdle (disk/qcow2_header) before QEMU or qemu-img opens it.
// Throws ImageError naming the file and the confinement_problem, or what is not qcow2 in it.
Qcow2Header check_overlay_confined(const std::filesystem::path& overlay,
                                   const std::optional<DiskLayer>& base);

// Creates `overlay` (qcow2) backed by `base` read as `base_format`. With `size` given, `base`
// is not opened (a template's frozen disk, checked already). Throws ImageError with qemu-img's
// message on failure.
void create_overlay(const std::filesystem::path& base, const std::string& base_format,
                    const std::filesystem::path& overlay,
                    std::optional<std::uint64_t> size = std::nullopt);

// Writes what `overlay` changed over `base` as a new qcow2 at `out`, backed by `base`: the
// disk's state now, without the overlay's internal snapshots. QEMU must have let the overlay go
// (a completed migration does); it is read with qemu-img's -U. Throws ImageError.
void save_overlay_changes(const std::filesystem::path& overlay, const std::filesystem::path& base,
                          const std::string& base_format, const std::filesystem::path& out);

// Points `overlay` at `base` (this host's copy of the base it was made over), without
// touching its data (qemu-img rebase -u). Throws ImageError.
void rebase_overlay(const std::filesystem::path& overlay, const std::filesystem::path& base,
                    const std::string& base_format);

}  // namespace hurdle
