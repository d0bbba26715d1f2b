#include "qemu/image_digest.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCacheFile = "image-digests.json";

// What must be unchanged for a remembered digest to stand.
nlohmann::json identity(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw ImageError(file.string() + ": cannot read the image: " + std::strerror(errno));
  return {{"size", static_cast<std::uint64_t>(st.st_size)},
          {"mtime_ns",
           static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec},
          {"inode", static_cast<std::uint64_t>(st.st_ino)}};
}

std::string hash(const fs::path& file) {
  try {
    return file_digest(file, DigestAlgorithm::kSha256).hex;
  } catch (const ImageError&) {
    throw;
  } catch (const Error& e) {
    throw ImageError(std::string("cannot hash the image: ") + e.what());
  }
}

nlohmann::json read_cache(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return nlohmann::json::object();
  auto cache = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return cache.is_object() ? cache : nlohmann::json::object();  // damaged: start over
}

}  // namespace

std::string image_sha256(const fs::path& file, const fs::path& cache_dir) {
  const fs::path path = fs::absolute(file).lexically_normal();
  const nlohmann::json id = identity(path);
  if (cache_dir.empty()) return hash(path);
  const fs::path cache_file = cache_dir / kCacheFile;
  nlohmann::json cache = read_cache(cache_file);
  const auto known = cache.find(path.string());
  if (known != cache.end() && known->is_object() &&
      known->value("identity", nlohmann::json()) == id && known->contains("sha256") &&
      known->at("sha256").is_string())
    return known->at("sha256").get<std::string>();
  const std::string digest = hash(path);
  if (identity(path) != id) return digest;  // changed while it was read: remember nothing
  cache[path.string()] = {{"identity", id}, {"sha256", digest}};
  try {
    fs::create_directories(cache_dir);
    write_file_atomically(cache_file, cache.dump(2) + "\n");
  } catch (const std::exception&) {
    // A cache that cannot be written costs time, not correctness.
  }
  return digest;
}

}  // namespace hurdle
