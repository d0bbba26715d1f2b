// The sha256 of an image file, for reports (and, later, for checking pinned images). A
// multi-gigabyte image is hashed once: the digest is remembered in the user cache folder
// (image-digests.json) under the file's absolute path, with its size, mtime and inode, and is
// used again only while all three are unchanged.
#pragma once

#include <filesystem>
#include <string>

namespace hurdle {

// The lowercase hex sha256 of `file`. `cache_dir` empty: no cache (always hashed). Throws
// ImageError naming the file when it cannot be read.
std::string image_sha256(const std::filesystem::path& file,
                         const std::filesystem::path& cache_dir = {});

}  // namespace hurdle
