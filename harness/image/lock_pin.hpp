// Writes an image's digest into the lock file (`hurdle image pin NAME`) as a person would: one
// `digest:` line in the entry, every comment and every other line kept as it was, the file
// replaced atomically, then read back to check that it says what was meant.
#pragma once

#include <filesystem>
#include <string>

#include "core/digest.hpp"

namespace hurdle {

// Sets the digest of image `name` in `lock_file`. Throws ConfigError when the entry is not
// there, and ImageError when the lock already pins another digest (that is for a person to
// look at, not for hurdle to overwrite).
void pin_image_digest(const std::filesystem::path& lock_file, const std::string& name,
                      const Digest& digest);

}  // namespace hurdle
