// Per-run qcow2 overlays: every write a machine makes goes into a file on top of its base
// image (qemu-img create -b BASE), so a base image is never written. Machine::launch asks for
// one per disk in `overlay` mode; snapshots live in them too.
#pragma once

#include <filesystem>
#include <string>

namespace hurdle {

// Creates `overlay` (qcow2) backed by `base` read as `base_format`. Throws ImageError with
// qemu-img's message on failure.
void create_overlay(const std::filesystem::path& base, const std::string& base_format,
                    const std::filesystem::path& overlay);

}  // namespace hurdle
