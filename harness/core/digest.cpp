#include "core/digest.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace hurdle {

std::string to_string(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kSha256:
      return "sha256";
    case DigestAlgorithm::kSha512:
      break;
  }
  return "sha512";
}

std::size_t hex_length(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? 64 : 128;
}

std::string Digest::str() const { return to_string(algorithm) + ":" + hex; }

std::optional<Digest> parse_digest(std::string_view text, std::string* why) {
  const auto fail = [&](std::string reason) -> std::optional<Digest> {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return fail("expected sha512:<128 hex digits> or sha256:<64 hex digits>");
  Digest d;
  const std::string_view name = text.substr(0, colon);
  if (name == "sha512") {
    d.algorithm = DigestAlgorithm::kSha512;
  } else if (name == "sha256") {
    d.algorithm = DigestAlgorithm::kSha256;
  } else {
    return fail("unknown digest algorithm '" + std::string(name) + "' (sha512 or sha256)");
  }
  const std::string_view hex = text.substr(colon + 1);
  if (hex.size() != hex_length(d.algorithm))
    return fail("a " + std::string(name) + " digest has " +
                std::to_string(hex_length(d.algorithm)) + " hex digits, found " +
                std::to_string(hex.size()));
  for (const char c : hex) {
    if (c >= '0' && c <= '9')
      d.hex += c;
    else if (c >= 'a' && c <= 'f')
      d.hex += c;
    else if (c >= 'A' && c <= 'F')
      d.hex += static_cast<char>(c - 'A' + 'a');
    else
      return fail(std::string("not a hex digit: '") + c + "'");
  }
  return d;
}

struct Hasher::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(DigestAlgorithm algorithm)
    : algorithm_(algorithm), context_(std::make_unique<Context>()) {
  const EVP_MD* md = algorithm == DigestAlgorithm::kSha256 ? EVP_sha256() : EVP_sha512();
  if (context_->ctx == nullptr || EVP_DigestInit_ex(context_->ctx, md, nullptr) != 1)
    throw HostError("OpenSSL could not start a " + to_string(algorithm) + " digest");
}

Hasher::~Hasher() = default;

void Hasher::update(const void* data, std::size_t size) {
  if (size > 0) EVP_DigestUpdate(context_->ctx, data, size);
}

Digest Hasher::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_->ctx, digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  Digest d;
  d.algorithm = algorithm_;
  d.hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    d.hex += kHex[digest[i] >> 4];
    d.hex += kHex[digest[i] & 0xf];
  }
  return d;
}

Digest file_digest(const std::filesystem::path& file, DigestAlgorithm algorithm,
                   const std::function<void(std::uint64_t)>& progress) {
  const UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw HostError(file.string() + ": cannot read: " + std::strerror(errno));
  (void)::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  Hasher hasher(algorithm);
  std::vector<char> block(1 << 20);
  std::uint64_t done = 0;
  for (;;) {
    const ssize_t n = ::read(fd.get(), block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw HostError(file.string() + ": reading failed: " + std::strerror(errno));
    if (n == 0) break;
    hasher.update(block.data(), static_cast<std::size_t>(n));
    done += static_cast<std::uint64_t>(n);
    if (progress) progress(done);
  }
  return hasher.finish();
}

Digest text_digest(std::string_view text, DigestAlgorithm algorithm) {
  Hasher hasher(algorithm);
  hasher.update(text);
  return hasher.finish();
}

}  // namespace hurdle
