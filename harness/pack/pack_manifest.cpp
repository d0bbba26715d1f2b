#include "pack/pack_manifest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

#include <re2/re2.h>

#include "core/json_text.hpp"
#include "core/safe_text.hpp"
#include "disk/sparse_file.hpp"

namespace hurdle {

namespace {

constexpr std::size_t kBlock = 64 * 1024;

void add_u64(Hasher& h, std::uint64_t v) {
  unsigned char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
  h.update(b, sizeof b);
}

bool is_sha256_hex(const std::string& s) { return RE2::FullMatch(s, "[0-9a-f]{64}"); }

}  // namespace

std::optional<std::uint64_t> pack_entry_limit(const std::string& name) {
  if (name == kPackRamName) return kMaxPackMemoryBytes;
  if (!name.starts_with(kPackFolderPrefix)) return std::nullopt;
  const std::string file = name.substr(std::strlen(kPackFolderPrefix));
  if (file == "saved-machine.json" || file == "key-inputs.json" || file == "variables.json" ||
      file == "template.json")
    return kMaxPackJsonBytes;
  if (file == "machine.state") return kMaxPackStateBytes;
  if (file == "ssh-key") return kMaxPackSshKeyBytes;
  // A disk's frozen changes: NODE.qcow2, NODE a profile's disk name.
  if (RE2::FullMatch(file, "[A-Za-z0-9_][A-Za-z0-9_-]{0,63}\\.qcow2")) return kMaxPackDiskBytes;
  return std::nullopt;
}

std::string PackManifest::text() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : entries)
    list.push_back({{"name", e.name}, {"size", e.size}, {"digest", e.digest}});
  return nlohmann::json{{"format", kFormat}, {"key", key}, {"entries", list}}.dump(2) + "\n";
}

std::optional<PackManifest> PackManifest::parse(std::string_view text, std::string& why) {
  const auto parsed = parse_json_text(text, why);
  if (!parsed) return std::nullopt;
  const nlohmann::json& j = *parsed;
  const auto fail = [&](const std::string& what) -> std::optional<PackManifest> {
    why = what;
    return std::nullopt;
  };
  if (!j.is_object() || !j.contains("format") || !j["format"].is_number_integer())
    return fail("it is not {format: 2, key: ..., entries: [...]}");
  if (j["format"].get<std::int64_t>() != kFormat)
    return fail("its format is " + j["format"].dump() + ", not " + std::to_string(kFormat) +
                " (a pack of another hurdle version: pack it again)");
  if (!j.contains("key") || !j["key"].is_string() || !is_sha256_hex(j["key"].get<std::string>()))
    return fail("its key is not a sha256");
  if (!j.contains("entries") || !j["entries"].is_array() || j["entries"].empty())
    return fail("it lists no entries");
  if (j["entries"].size() > kMaxPackEntries)
    return fail("it lists " + std::to_string(j["entries"].size()) + " entries; a template has " +
                "at most " + std::to_string(kMaxPackEntries));
  PackManifest m;
  m.key = j["key"].get<std::string>();
  std::set<std::string> names;
  std::uint64_t folder_bytes = 0;
  for (const auto& e : j["entries"]) {
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("size") ||
        !e["size"].is_number_unsigned() || !e.contains("digest") || !e["digest"].is_string())
      return fail("an entry is not {name, size, digest}");
    PackEntry entry{e["name"].get<std::string>(), e["size"].get<std::uint64_t>(),
                    e["digest"].get<std::string>()};
    const auto limit = pack_entry_limit(entry.name);
    if (!limit)
      return fail("it lists '" + shown_entry_name(entry.name) +
                  "', which is not a file of a template (template/NAME or ram)");
    if (!names.insert(entry.name).second)
      return fail("it lists " + shown_entry_name(entry.name) + " twice");
    if (entry.size > *limit)
      return fail("it lists " + entry.name + " of " + std::to_string(entry.size) +
                  " bytes; at most " + std::to_string(*limit) + " are allowed");
    if (!is_sha256_hex(entry.digest))
      return fail("the digest of " + entry.name + " is not a sha256");
    if (entry.name != kPackRamName) folder_bytes += entry.size;
    m.entries.push_back(std::move(entry));
  }
  if (folder_bytes > kMaxPackFolderBytes)
    return fail("its template files come to " + std::to_string(folder_bytes) + " bytes; at most " +
                std::to_string(kMaxPackFolderBytes) + " are allowed");
  const std::string inputs = std::string(kPackFolderPrefix) + "key-inputs.json";
  if (m.entries.front().name != inputs) return fail("its first entry is not " + inputs);
  if (m.entries.back().name != kPackRamName) return fail("its last entry is not the RAM (ram)");
  if (names.count(std::string(kPackFolderPrefix) + "saved-machine.json") == 0)
    return fail("it lists no template/saved-machine.json");
  return m;
}

std::optional<std::uint64_t> memory_of_key_inputs(const nlohmann::json& inputs) {
  if (!inputs.is_object() || !inputs.contains("argv") || !inputs["argv"].is_array())
    return std::nullopt;
  const auto& argv = inputs["argv"];
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] != "-m" || !argv[i + 1].is_string()) continue;
    std::uint64_t mib = 0;
    if (!RE2::FullMatch(argv[i + 1].get<std::string>(), "([0-9]{1,9})", &mib)) return std::nullopt;
    return mib << 20;
  }
  return std::nullopt;
}

std::string pack_mac(std::string_view secret, std::string_view text) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac,
           &length) == nullptr)
    throw std::runtime_error("OpenSSL could not compute an HMAC-SHA256");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "hmac-sha256:";
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xf];
  }
  return out + "\n";
}

bool pack_mac_matches(std::string_view secret, std::string_view text, std::string_view mac) {
  const std::string expected = pack_mac(secret, text);
  return mac.size() == expected.size() &&
         CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) == 0;
}

std::string shown_entry_name(std::string_view name) {
  constexpr std::size_t kMax = 80;
  const std::string_view head = utf8_head(name, kMax);
  return safe_line(head) + (head.size() < name.size() ? "…" : "");
}

EntryDigest::EntryDigest() : block_(kBlock, 0) {}

void EntryDigest::flush() {
  if (filled_ && !all_zero(block_.data(), block_.size())) {
    add_u64(hasher_, index_);
    hasher_.update(block_.data(), block_.size());
  }
  std::memset(block_.data(), 0, block_.size());
  filled_ = false;
}

void EntryDigest::feed(std::uint64_t offset, std::string_view data) {
  if (offset < fed_to_) throw std::invalid_argument("data out of order");
  while (!data.empty()) {
    const std::uint64_t index = offset / kBlock;
    if (index != index_) {
      flush();
      index_ = index;
    }
    const auto within = static_cast<std::size_t>(offset % kBlock);
    const std::size_t n = std::min(kBlock - within, data.size());
    std::memcpy(block_.data() + within, data.data(), n);
    filled_ = true;
    data.remove_prefix(n);
    offset += n;
  }
  fed_to_ = offset;
}

std::string EntryDigest::of(std::string_view text) {
  EntryDigest d;
  d.feed(0, text);
  return d.finish(text.size());
}

std::string EntryDigest::finish(std::uint64_t size) {
  flush();
  add_u64(hasher_, size);
  return hasher_.finish().hex;
}

}  // namespace hurdle
