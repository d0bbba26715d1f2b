// A boot cache template as one file that travels between hosts (a CI cache, an artifact): a
// pax tar compressed with zstd, holding its manifest (pack.json: the template's key and every
// entry with its size and digest, pack/pack_manifest), the manifest's HMAC under the user's
// secret when there is one (pack.mac), the template's folder (template/NAME: the key inputs
// first, the manifest, the state, the frozen disks, the SSH key, variables) and its RAM file
// as a sparse entry (ram, last): memory the guest never touched takes no room in the pack, and
// stays a hole where the pack is unpacked.
//
// Unpacking treats the pack as hostile input (a CI cache can be written by any workflow of the
// repository). Before anything is written: the manifest is read and bounded, its MAC checked
// (or unsigned packs trusted by the user's choice), the key inputs read and their digest found
// to be the key, the RAM found to be exactly the machine's memory. Then each entry must be the
// next one listed, with the listed size and digest, checked as it streams; only regular files
// of the names a template has; each frozen disk's qcow2 header must name the base it was made
// over and no other file. Any refusal leaves nothing: no folder, no RAM file. The template
// lands in the boot cache under its key, its RAM where the cache puts RAM files; its disks
// still name the bases of the host that packed it, and TemplateSource points them at this
// host's copies (checked by their digests) when a run opens it; MachineTemplate::open checks
// each disk names exactly this host's base. A run whose key differs makes its own template,
// saying which inputs differ (BootCache::explain_miss).
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
  bool signed_pack = false;  // pack: signed with a secret; unpack: its MAC was checked
};

// Packs template `key` of `cache` into `out` (written atomically; its folder is made), signed
// with `secret` when it is not empty. The caller holds the template's lock. Throws Error
// naming what could not be read or written.
PackedTemplate pack_template(const BootCache& cache, const std::string& key,
                             const std::filesystem::path& out, const std::string& secret);

// What an unpack trusts: a pack signed with `secret` (HURDLE_PACK_KEY), and with
// `trust_unsigned` a pack that is not signed (or, without a secret, one it cannot check).
// A pack signed with another secret is refused whatever these say.
struct PackTrust {
  std::string secret;
  bool trust_unsigned = false;
};

// Unpacks `pack` into `cache`. A template already there under the same key is kept as it is
// (`already` set). Throws ConfigError naming the pack and what is wrong in it for a pack that
// is not one or is refused, and Error when it cannot be written.
struct UnpackedTemplate {
  PackedTemplate what;
  bool already = false;
};
UnpackedTemplate unpack_template(const BootCache& cache, const std::filesystem::path& pack,
                                 const PackTrust& trust);

}  // namespace hurdle
