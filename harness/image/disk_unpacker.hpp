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

// What holds the disk (a tar, or the raw disk itself) and how that is compressed: two parts, so
// that a new compression is one line in each of its two tables (the names, the libarchive filter).
enum class Container { kRaw, kTar };
enum class Compression { kNone, kXz, kGz, kZstd };

struct ArchiveType {
  Container container = Container::kRaw;
  Compression compression = Compression::kNone;

  static const ArchiveType kNone, kTarXz, kTarGz, kXz, kGz;
  [[nodiscard]] bool is_tar() const { return container == Container::kTar; }
  bool operator==(const ArchiveType&) const = default;
};
inline constexpr ArchiveType ArchiveType::kNone{Container::kRaw, Compression::kNone};
inline constexpr ArchiveType ArchiveType::kTarXz{Container::kTar, Compression::kXz};
inline constexpr ArchiveType ArchiveType::kTarGz{Container::kTar, Compression::kGz};
inline constexpr ArchiveType ArchiveType::kXz{Container::kRaw, Compression::kXz};
inline constexpr ArchiveType ArchiveType::kGz{Container::kRaw, Compression::kGz};

// As a lock's `archive:` names it: "tar.xz", "tar.gz", "tar.zst", "tar", "xz", "gz", "zst", "none".
std::string to_string(ArchiveType type);
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
