// What a template pack says it holds, read and checked before anything of the pack is written
// anywhere. A pack (pack/template_pack) starts with pack.json, this manifest: the key of the
// template, and every entry that follows, in order, with its size and its digest; then, when
// the pack is signed, pack.mac: an HMAC-SHA256 over pack.json's bytes made with a secret the
// user holds (HURDLE_PACK_KEY). A pack is hostile input (a CI cache can be written by any
// workflow of the repository), so the manifest also bounds it: only the names a template has,
// at most kMaxEntries of them, each under the size its kind allows; the RAM exactly the
// machine's memory that the key inputs give.
//
// An entry's digest is SHA-256 over its 64 KiB blocks that are not all zeros, each with its
// index, and then its size: a sparse RAM file and the same file written densely have one
// digest, and a reader gets it while it streams, whatever pieces the archive gives.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/digest.hpp"

namespace hurdle {

inline constexpr const char* kPackManifestName = "pack.json";
inline constexpr const char* kPackMacName = "pack.mac";
inline constexpr const char* kPackRamName = "ram";
inline constexpr const char* kPackFolderPrefix = "template/";

// Bounds on what a pack may hold (a genuine linux-mini template: 7 entries, a state of 0.8 MB,
// a disk of 0.2 MB, 512 MiB of RAM of which 60 MiB data).
inline constexpr std::size_t kMaxPackEntries = 64;
inline constexpr std::uint64_t kMaxPackJsonBytes = 1 << 20;
inline constexpr std::uint64_t kMaxPackStateBytes = 256ULL << 20;
inline constexpr std::uint64_t kMaxPackDiskBytes = 16ULL << 30;
inline constexpr std::uint64_t kMaxPackSshKeyBytes = 64 << 10;
inline constexpr std::uint64_t kMaxPackMemoryBytes = 64ULL << 30;
inline constexpr std::uint64_t kMaxPackFolderBytes = 32ULL << 30;  // all but the RAM
// A secret shorter than this is refused: it would be guessed.
inline constexpr std::size_t kMinPackSecretBytes = 16;

struct PackEntry {
  std::string name;
  std::uint64_t size = 0;
  std::string digest;  // EntryDigest's hex
};

struct PackManifest {
  static constexpr int kFormat = 2;
  std::string key;                 // the template's key: the sha256 of its key inputs
  std::vector<PackEntry> entries;  // in the pack's order: key inputs first, the RAM last

  [[nodiscard]] std::string text() const;
  // `text` checked against every rule above; nothing, and `why`, when it breaks one.
  [[nodiscard]] static std::optional<PackManifest> parse(std::string_view text, std::string& why);
};

// The size limit of an entry named `name` (nothing: not a name a template pack holds). The
// RAM's is the machine's memory, known only from the key inputs.
[[nodiscard]] std::optional<std::uint64_t> pack_entry_limit(const std::string& name);

// The guest's memory in bytes that template key inputs give (QEMU's `-m MiB` in their argv),
// or nothing when they give none.
[[nodiscard]] std::optional<std::uint64_t> memory_of_key_inputs(const nlohmann::json& inputs);

// HMAC-SHA256 of `text` under `secret`, as pack.mac holds it: "hmac-sha256:HEX\n".
[[nodiscard]] std::string pack_mac(std::string_view secret, std::string_view text);
// Whether `mac` (pack.mac's text) is pack_mac(secret, text), compared in constant time.
[[nodiscard]] bool pack_mac_matches(std::string_view secret, std::string_view text,
                                    std::string_view mac);

// A name from a pack as it is shown in a message: one line (safe_line), at most 80 bytes.
[[nodiscard]] std::string shown_entry_name(std::string_view name);

// The digest of an entry, fed in pieces at offsets that never go back.
class EntryDigest {
 public:
  EntryDigest();
  // Throws std::invalid_argument when `offset` is before what was fed already.
  void feed(std::uint64_t offset, std::string_view data);
  [[nodiscard]] std::string finish(std::uint64_t size);
  // The digest of a whole text (a JSON entry).
  [[nodiscard]] static std::string of(std::string_view text);

 private:
  void flush();
  Hasher hasher_{DigestAlgorithm::kSha256};
  std::vector<char> block_;
  std::uint64_t index_ = 0;  // of the block being filled
  std::uint64_t fed_to_ = 0;
  bool filled_ = false;
};

}  // namespace hurdle
