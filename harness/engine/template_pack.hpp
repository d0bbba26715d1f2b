// A boot cache template as one file that travels between hosts (a CI cache, an artifact): a
// pax tar compressed with zstd, holding pack.json (the format and the template's key), the
// template's folder (template/NAME: the manifest, the state, the frozen disks, the SSH key,
// variables and key inputs) and its RAM file as a sparse entry (ram): memory the guest never
// touched takes no room in the pack, and stays a hole where the pack is unpacked.
//
// Unpacking treats the pack as hostile input: only those names, regular files, no links, no
// folders; the key must be the sha256 of the key inputs it carries (a pack cannot claim a key
// that is not its own), the RAM file the size the manifest's machine needs. The template lands
// in the boot cache under its key, its RAM where the cache puts RAM files; its disks still
// name the bases of the host that packed it, and TemplateSource points them at this host's
// copies (checked by their digests) when a run opens it. A run whose key differs makes its
// own template, saying which inputs differ (BootCache::explain_miss).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/boot_cache.hpp"

namespace hurdle {

struct PackedTemplate {
  std::string key;
  std::filesystem::path file;
  std::uint64_t pack_bytes = 0;      // the packed file's size
  std::uint64_t template_bytes = 0;  // the template's folder, as allocated
  std::uint64_t ram_bytes = 0;       // the RAM file's size (the guest's memory)
  std::uint64_t ram_data_bytes = 0;  // of it, not holes
  std::chrono::milliseconds took{0};
};

// Packs template `key` of `cache` into `out` (written atomically; its folder is made). The
// caller holds the template's lock. Throws Error naming what could not be read or written.
PackedTemplate pack_template(const BootCache& cache, const std::string& key,
                             const std::filesystem::path& out);

// Unpacks `pack` into `cache`. A template already there under the same key is kept as it is
// (`already` set). Throws ConfigError naming the pack and what was expected for a pack that is
// not one, and Error when it cannot be written.
struct UnpackedTemplate {
  PackedTemplate what;
  bool already = false;
};
UnpackedTemplate unpack_template(const BootCache& cache, const std::filesystem::path& pack);

}  // namespace hurdle
