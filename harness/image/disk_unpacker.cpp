#include "image/disk_unpacker.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "core/error.hpp"
#include "disk/sparse_file.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

using ArchivePtr = std::unique_ptr<struct archive, decltype(&archive_read_free)>;

std::string error_of(struct archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown libarchive error";
}

// Each compression: its name in a lock, and the libarchive filter that reads it.
struct CompressionEntry {
  Compression compression;
  const char* suffix;  // "" for none
  int (*filter)(struct archive*);
};
constexpr CompressionEntry kCompressions[] = {
    {Compression::kNone, "", nullptr},
    {Compression::kXz, "xz", archive_read_support_filter_xz},
    {Compression::kGz, "gz", archive_read_support_filter_gzip},
    {Compression::kZstd, "zst", archive_read_support_filter_zstd},
};

const CompressionEntry& entry_of(Compression c) {
  for (const auto& e : kCompressions)
    if (e.compression == c) return e;
  return kCompressions[0];
}

bool is_tar(ArchiveType type) { return type.is_tar(); }

ArchivePtr open_archive(const fs::path& artifact, ArchiveType type) {
  ArchivePtr a(archive_read_new(), &archive_read_free);
  if (!a) throw ImageError("libarchive could not start");
  if (const auto filter = entry_of(type.compression).filter) filter(a.get());
  if (is_tar(type))
    archive_read_support_format_tar(a.get());
  else
    archive_read_support_format_raw(a.get());
  if (archive_read_open_filename(a.get(), artifact.c_str(), 1 << 20) != ARCHIVE_OK)
    throw ImageError(artifact.string() + ": not a " + to_string(type) + " archive (" +
                     error_of(a.get()) + "); does the lock's `archive:` say what the file is?");
  return a;
}

std::string strip_dot_slash(std::string name) {
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  return name;
}

// Moves to the entry to unpack: `member` in a tar, the one stream of a compressed raw disk.
// `size` gets the member's size (0 for a compressed stream: known only at its end).
void find_member(struct archive* a, const fs::path& artifact, ArchiveType type,
                 const std::string& member, std::uint64_t& size) {
  std::string seen;
  archive_entry* entry = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN)
      throw ImageError(artifact.string() + ": not a " + to_string(type) + " archive (" +
                       error_of(a) + "); does the lock's `archive:` say what the file is?");
    if (!is_tar(type)) {
      size = 0;
      return;
    }
    const std::string name = strip_dot_slash(archive_entry_pathname(entry));
    if (name == strip_dot_slash(member)) {
      if (archive_entry_filetype(entry) != AE_IFREG)
        throw ImageError(artifact.string() + ": '" + name +
                         "' in the archive is not a regular file");
      size = static_cast<std::uint64_t>(archive_entry_size(entry));
      return;
    }
    seen += (seen.empty() ? "" : ", ") + name;
    archive_read_data_skip(a);
  }
  throw ImageError(artifact.string() + ": no '" + member +
                   "' in the archive; it holds: " + (seen.empty() ? "nothing" : seen));
}

}  // namespace

std::string to_string(ArchiveType type) {
  const std::string suffix = entry_of(type.compression).suffix;
  if (!type.is_tar()) return suffix.empty() ? "none" : suffix;
  return suffix.empty() ? "tar" : "tar." + suffix;
}

std::optional<ArchiveType> parse_archive_type(std::string_view text) {
  for (const auto container : {Container::kRaw, Container::kTar})
    for (const auto& e : kCompressions) {
      const ArchiveType t{container, e.compression};
      if (text == to_string(t)) return t;
    }
  return std::nullopt;
}

UnpackResult unpack_disk_image(const fs::path& artifact, ArchiveType type,
                               const std::string& member, const fs::path& disk,
                               const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::error_code ec;
  const auto total = fs::file_size(artifact, ec);
  if (ec) throw ImageError(artifact.string() + ": cannot read: " + ec.message());
  if (type == ArchiveType::kNone) {
    copy_sparse(artifact, disk);
    if (progress) progress(total, total);
    const auto extent = file_extent(disk);
    return {extent.apparent, extent.allocated};
  }
  // A tar without a member name: find its only regular file first, then read up to it again.
  std::string name = member;
  if (is_tar(type) && name.empty()) {
    ArchivePtr scan = open_archive(artifact, type);
    archive_entry* entry = nullptr;
    std::string found;
    int regular = 0;
    while (archive_read_next_header(scan.get(), &entry) == ARCHIVE_OK) {
      if (archive_entry_filetype(entry) == AE_IFREG) {
        ++regular;
        found = strip_dot_slash(archive_entry_pathname(entry));
      }
      archive_read_data_skip(scan.get());
    }
    if (regular != 1)
      throw ImageError(artifact.string() + ": the archive holds " + std::to_string(regular) +
                       " files; name the disk inside it with `member:` in the lock");
    name = found;
  }
  ArchivePtr a = open_archive(artifact, type);
  std::uint64_t size = 0;
  find_member(a.get(), artifact, type, name, size);

  SparseFileWriter out(disk);
  std::uint64_t end = 0;
  for (;;) {
    const void* block = nullptr;
    size_t length = 0;
    la_int64_t offset = 0;
    const int rc = archive_read_data_block(a.get(), &block, &length, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN)
      throw ImageError(artifact.string() +
                       ": the archive is damaged or truncated: " + error_of(a.get()));
    out.write_at(static_cast<std::uint64_t>(offset), {static_cast<const char*>(block), length});
    end = std::max(end, static_cast<std::uint64_t>(offset) + length);
    if (progress) progress(static_cast<std::uint64_t>(archive_filter_bytes(a.get(), -1)), total);
  }
  if (size == 0) size = end;
  out.finish(size);
  if (progress) progress(total, total);
  return {size, out.data_bytes()};
}

}  // namespace hurdle
