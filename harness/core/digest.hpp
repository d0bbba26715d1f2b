// Cryptographic digests of files and streams (OpenSSL EVP), as hurdle writes them in locks,
// manifests and reports: "sha512:<hex>" or "sha256:<hex>". Used by the image cache to verify
// downloads and by reports to name the images a run used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hurdle {

enum class DigestAlgorithm { kSha256, kSha512 };

// "sha256" or "sha512".
std::string to_string(DigestAlgorithm algorithm);

struct Digest {
  DigestAlgorithm algorithm = DigestAlgorithm::kSha512;
  std::string hex;  // lowercase

  // "sha512:<hex>".
  [[nodiscard]] std::string str() const;
  // The first `n` hex digits, for folder names and messages.
  [[nodiscard]] std::string short_hex(std::size_t n = 16) const { return hex.substr(0, n); }
  bool operator==(const Digest&) const = default;
};

// Parses "sha512:<128 hex digits>" or "sha256:<64 hex digits>" (hex in either case); nullopt
// for anything else. `why`, when given, says what was wrong.
std::optional<Digest> parse_digest(std::string_view text, std::string* why = nullptr);

// The number of hex digits a digest of `algorithm` has.
std::size_t hex_length(DigestAlgorithm algorithm);

// A digest computed piece by piece.
class Hasher {
 public:
  explicit Hasher(DigestAlgorithm algorithm);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // Ends the computation; the hasher cannot be updated afterwards.
  [[nodiscard]] Digest finish();

 private:
  struct Context;
  DigestAlgorithm algorithm_;
  std::unique_ptr<Context> context_;
};

// Reads `file` through the hasher in 1 MiB pieces; `progress` (if set) gets the bytes read so
// far after each piece. Throws Error naming the file when it cannot be read.
Digest file_digest(const std::filesystem::path& file, DigestAlgorithm algorithm,
                   const std::function<void(std::uint64_t)>& progress = {});

// The digest of a text (recipes, keys).
Digest text_digest(std::string_view text, DigestAlgorithm algorithm = DigestAlgorithm::kSha256);

}  // namespace hurdle
