// The image cache and everything that fills it: `hurdle image fetch/import/verify/list/gc/
// pin` and the machine profiles' `image:` all come here. A lock entry's download is fetched
// once, verified against its digest, kept unmodified, and prepared into a read-only qcow2 base
// named by the download's digest and the recipe's digest; overlays take every write after that.
//
// Layout under the cache folder (user_cache_directory()/images):
//   artifacts/<sha512-hex>/<file>, manifest.json    downloads as published, mode 0444
//   prepared/<artifact>-<recipe>/disk.qcow2, manifest.json
//   downloads/<digest>.part                         an interrupted download, continued later
//   first-use/<url-digest>.json                     an unpinned entry's digest, as its server's
//                                                   checksum list gave it on first use
//   work/<key>/                                     scratch while preparing
//   locks/*.lock                                    one process fetches or prepares at a time
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/variables.hpp"
#include "core/digest.hpp"
#include "image/downloader.hpp"
#include "image/image_lock.hpp"
#include "image/transfer_progress.hpp"

namespace hurdle {

struct ImageStoreOptions {
  std::filesystem::path cache_dir;  // the images folder itself (…/hurdle/images)
  // Refuse an entry without a digest; else its first use takes the digest from the checksum
  // list its server publishes beside it over HTTPS, records it, and holds later uses to it.
  bool require_pinned = false;
  StatusLog log;  // progress and one line per step
  DownloadOptions download;
  Variables recipe_variables;  // hurdle_ssh_public_key
};

// A prepared base disk in the cache, and where it came from.
struct PreparedImage {
  std::string name;            // the lock entry
  std::filesystem::path disk;  // qcow2, read-only
  std::filesystem::path manifest;
  std::string url;
  Digest artifact;     // of the download
  Digest recipe;       // of the resolved recipe
  Digest disk_sha256;  // of disk.qcow2 when it was made
  bool pinned = true;  // false: the digest came from SHA512SUMS, not the lock
  // Unpinned: the checksum list the digest came from, and when (the first use).
  std::string checksum_list;
  std::string first_used;
};

// Where an unpinned entry's digest came from: the checksum list its server publishes.
struct PublishedDigest {
  Digest digest;
  std::string list_url;  // https://.../SHA512SUMS
};

// An unpinned entry's first use, recorded in the cache: every later use is held to it.
struct FirstUse {
  Digest digest;
  std::string checksum_list;
  std::string recorded_at;
};

struct CachedArtifact {
  std::filesystem::path file;
  Digest digest;
  nlohmann::json manifest;
};

struct VerifyReport {
  std::vector<std::string> lines;  // what was checked, one line each
  bool ok = true;
};

struct GcReport {
  std::vector<std::filesystem::path> removed;
  std::uint64_t bytes = 0;
};

class ImageStore {
 public:
  ImageStore(ImageLock lock, ImageStoreOptions options);

  // The prepared disk for `name` (with `extra` steps after the entry's own, as a profile asks),
  // downloading, verifying and preparing what the cache does not hold yet. Throws ImageError
  // (DownloadError when the network failed, saying how to import the file instead).
  PreparedImage fetch(const std::string& name, const std::vector<PrepareStep>& extra = {});
  // The prepared disk if the cache holds it; never downloads.
  [[nodiscard]] std::optional<PreparedImage> find(const std::string& name,
                                                  const std::vector<PrepareStep>& extra = {});
  // Verifies `file` (downloaded elsewhere) against the lock's digest and caches it as the
  // entry's download. Needs a pinned entry.
  CachedArtifact import(const std::string& name, const std::filesystem::path& file);
  // The digest the checksum list next to the entry's URLs publishes (HTTPS only; SHA512SUMS,
  // then SHA256SUMS, beside each URL in turn). ImageError naming each list and what to do.
  Digest published_digest(const ImageEntry& entry) { return published(entry).digest; }
  PublishedDigest published(const ImageEntry& entry);
  // What the first use of an unpinned entry recorded, if it was used here before, and where.
  [[nodiscard]] std::optional<FirstUse> first_use(const ImageEntry& entry) const;
  [[nodiscard]] std::filesystem::path first_use_file(const ImageEntry& entry) const;
  // Hashes again what the cache holds for `name`: the download against its digest, each
  // prepared disk against the sha256 its manifest recorded.
  VerifyReport verify(const std::string& name);
  // Removes what no lock entry uses any more (everything with `all`), and scratch left by
  // killed runs.
  GcReport gc(bool all);

  [[nodiscard]] const ImageLock& lock() const { return lock_; }
  [[nodiscard]] const std::filesystem::path& cache_dir() const { return options_.cache_dir; }
  // What the cache holds for `name`: its download (if any) and its prepared disks.
  [[nodiscard]] std::optional<CachedArtifact> cached_artifact(const ImageEntry& entry) const;
  [[nodiscard]] std::vector<PreparedImage> prepared_images(const ImageEntry& entry) const;

 private:
  struct Plan;
  Plan plan(const ImageEntry& entry, const std::vector<PrepareStep>& extra, bool may_ask_network);
  // The download, from each of the entry's URLs (mirrors) in turn until one serves the file
  // `digest` names; `held_to` says what gave that digest ("the lock pins (FILE:LINE)").
  CachedArtifact ensure_artifact(const ImageEntry& entry, const Digest& digest, bool pinned,
                                 const std::string& held_to);
  FirstUse record_first_use(const ImageEntry& entry, const PublishedDigest& published);
  PreparedImage prepare(const ImageEntry& entry, const Plan& plan, const CachedArtifact& artifact);

  ImageLock lock_;
  ImageStoreOptions options_;
};

// What an unpinned image was verified against, said plainly, with the command that pins it.
std::string unpinned_notice(const PreparedImage& image);

// The images folder of a cache folder: `cache_dir`/images.
std::filesystem::path image_cache_directory(const std::filesystem::path& cache_dir);

}  // namespace hurdle
