// Per-run qcow2 overlays: every write a machine makes goes into a file on top of its base
// image (qemu-img create -b BASE), so a base image is never written. Machine::launch asks for
// one per disk in `overlay` mode; snapshots live in them too. A saved machine keeps each
// overlay's changes as a compact qcow2 of their own, put back on a base when it resumes.
#pragma once

#include <filesystem>
#include <string>

namespace hurdle {

// Creates `overlay` (qcow2) backed by `base` read as `base_format`. Throws ImageError with
// qemu-img's message on failure.
void create_overlay(const std::filesystem::path& base, const std::string& base_format,
                    const std::filesystem::path& overlay);

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
