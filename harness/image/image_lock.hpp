// The image lock (fixtures/images.lock.yaml): disk images by name, each a dated upstream file
// (never a moving alias) with the digest of the download, how it is packed, and the recipes that
// prepare it for hurdle. `hurdle image` reads it; profiles and suites name its entries.
//
//   recipes:
//     NAME: [ steps (see prepare_recipe.hpp) ]
//   images:
//     debian-hurd-amd64:
//       url: https://.../debian-hurd-amd64-20250807.img.tar.xz   (or urls: [...], tried in turn)
//       archive: tar.xz            tar.xz | tar.gz | xz | gz | none
//       member: debian-hurd-amd64-20250807.img   the disk inside a tar (default: its only file)
//       format: raw                raw | qcow2: the disk inside
//       digest: sha512:...         of the downloaded file; without it, SHA512SUMS is asked
//       signed_by: /usr/share/keyrings/KEYRING.gpg   that checksum list's signature (LIST.sign)
//                                  must verify against this keyring (gpgv)
//       partition: root            the filesystem the recipes edit: root (the last 0x83) or N
//       prepare: [recipe names or inline steps]
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "disk/partition_table.hpp"
#include "image/disk_unpacker.hpp"
#include "image/prepare_recipe.hpp"

namespace hurdle {

struct ImageEntry {
  std::string name;
  std::string description;
  std::vector<std::string> urls;  // tried in order
  ArchiveType archive = ArchiveType::kNone;
  std::string member;
  std::string format = "raw";
  std::optional<Digest> digest;
  // The keyring the checksum list's detached signature (SHA512SUMS.sign) must verify against,
  // when the entry has no digest; unset: the list is taken over HTTPS alone.
  std::optional<std::filesystem::path> signed_by;
  PartitionChoice partition;
  std::vector<std::string> recipes;  // the names it uses, for listings
  std::vector<PrepareStep> prepare;  // every step, recipes expanded, in order
  SourceLocation where;              // the entry's name in the lock

  // The downloaded file's name: the last part of the first URL.
  [[nodiscard]] std::string file_name() const;
};

struct ImageLock {
  std::filesystem::path file;
  std::vector<ImageEntry> images;  // in the lock's order

  // The entry named `name`; ConfigError listing the entries when there is none, placed at
  // `asked_at` (where a profile or suite names it) when given, else at the lock.
  [[nodiscard]] const ImageEntry& find(const std::string& name,
                                       const SourceLocation* asked_at = nullptr) const;
  [[nodiscard]] const ImageEntry* lookup(const std::string& name) const;
};

// A name an image lock accepts: letters, digits, '.', '_' and '-', not starting with '.' or '-',
// at most 100 characters. Suites naming an image are held to it too.
bool valid_image_name(const std::string& name);

// Why an entry without a digest is not used, and the two ways out; `published` (may be
// empty) says what the checksum list next to it gives.
ConfigError unpinned_refusal(const ImageEntry& entry, const std::string& published = "");

// Reads and checks the whole lock: every URL http(s) and dated (its file name has a digit, so
// `debian-hurd.img.tar.xz`, an alias that moves, is refused), plain http only with a digest,
// digests well-formed, recipes known, steps valid. Errors are ConfigError with file:line:column.
ImageLock load_image_lock(const std::filesystem::path& file);

// Where `hurdle image` looks for the lock when none is given: $HURDLE_IMAGE_LOCK, then
// fixtures/images.lock.yaml in the current folder, then the one installed with hurdle.
std::filesystem::path default_image_lock();

// "https://host/dir/FILE" -> "https://host/dir/" (where SHA512SUMS is looked for).
std::string url_directory(const std::string& url);

}  // namespace hurdle
