// How machines get their disk images: a profile's `image:` names a lock entry, and this turns
// it into the prepared qcow2 in the user's cache, fetching it on first use. It fixes the
// policy in one place for Machine::from_profile, `hurdle run`, `hurdle validate` and
// `hurdle image`: which lock (the caller's, $HURDLE_IMAGE_LOCK, or the profile's), which cache,
// and hurdle's own SSH key as the recipes' ${hurdle_ssh_public_key}.
#pragma once

#include <filesystem>
#include <iostream>
#include <optional>

#include "image/downloader.hpp"
#include "image/image_store.hpp"
#include "image/transfer_progress.hpp"
#include "qemu/machine_profile.hpp"

namespace hurdle {

struct ImageSettings {
  // The lock to use instead of the profile's own (`--image-lock`); $HURDLE_IMAGE_LOCK comes
  // next, then the profile's `image: lock:` (by default images.lock.yaml beside its folder).
  std::optional<std::filesystem::path> lock;
  // The user cache folder (images/ and ssh/ are in it); unset: user_cache_directory().
  std::optional<std::filesystem::path> cache_dir;
  // Refuse a lock entry without a digest; else it is checked against the checksum list its
  // server publishes over HTTPS on first use, and held to what that said afterwards.
  bool require_pinned = false;
  bool fetch = true;  // false: only what the cache holds already
  // Where fetching says what it does: a download takes minutes, and silence would look hung.
  StatusLog log{&std::cerr, ProgressStyle::kLines, "hurdle: "};
  DownloadOptions download;
};

// The lock an image request reads, by the precedence above.
std::filesystem::path lock_for(const ImageRequest& request, const ImageSettings& settings);

// The variables recipes may use; makes hurdle's own SSH key on first use.
Variables recipe_variables(const std::filesystem::path& cache_dir);

// An image store over `lock_file` with these settings.
ImageStore open_image_store(const std::filesystem::path& lock_file, const ImageSettings& settings);

// Fetches (or finds) and prepares the requested image.
ImageResolver fetching_image_resolver(ImageSettings settings);

// Makes a profile's multiboot medium in the user cache (boot-media/).
BootMediumMaker boot_medium_maker(ImageSettings settings);

// What a profile that is about to start is loaded with: its image fetched as a run needs it,
// its multiboot medium made; `name` replaces its image name (a suite's `image:`).
ProfileImageOptions starting_profile_options(std::string name, ImageSettings settings);

// Checks a request as a run would meet it, without downloading: the lock reads, the entry is
// there and pinned (unless allowed), its recipes resolve. The disk it returns is a placeholder.
ImageResolver checking_image_resolver(ImageSettings settings);

}  // namespace hurdle
