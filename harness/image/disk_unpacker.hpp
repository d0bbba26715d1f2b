// Unpacks a downloaded disk image (libarchive, streaming) into a raw disk that keeps its
// holes: a sparse tar (Debian's .img.tar.xz), an xz- or gzip-compressed raw disk (.img.xz,
// .img.gz), or a raw disk as it is. Only the named member is written, and only to the given
// destination: a path inside the archive never decides where anything goes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hurdle {

enum class ArchiveType { kNone, kTarXz, kTarGz, kXz, kGz };

std::string to_string(ArchiveType type);  // "tar.xz", ..., "none"
std::optional<ArchiveType> parse_archive_type(std::string_view text);

struct UnpackResult {
  std::uint64_t size = 0;        // the disk's size
  std::uint64_t data_bytes = 0;  // bytes written; the rest are holes
};

// Writes the disk held by `artifact` to `disk`. `member` names the file inside a tar (empty:
// the only regular file in it). `progress` gets the compressed bytes read so far and the
// artifact's size. Throws ImageError naming the artifact and what was wrong (not an archive of
// that type, no such member, a damaged stream).
UnpackResult unpack_disk_image(
    const std::filesystem::path& artifact, ArchiveType type, const std::string& member,
    const std::filesystem::path& disk,
    const std::function<void(std::uint64_t done, std::uint64_t total)>& progress = {});

}  // namespace hurdle
