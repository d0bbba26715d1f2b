#include "disk/qcow2_header.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kMagic = 0x514649fb;  // "QFI\xfb"
constexpr std::uint32_t kBackingFormat = 0xe2792aca;
constexpr std::uint32_t kDataFile = 0x44415441;
// QEMU's own bound on a backing file name; the header and its extensions fit in the first
// cluster (at most 2 MiB: cluster_bits 21).
constexpr std::uint32_t kMaxName = 1023;

std::uint64_t be(const std::vector<unsigned char>& b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | b[at + i];
  return v;
}

}  // namespace

Qcow2Header read_qcow2_header(const fs::path& file) {
  const auto bad = [&](const std::string& what) {
    return ImageError(file.string() + ": not a qcow2 disk hurdle can use: " + what);
  };
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) throw ImageError(file.string() + ": cannot read: " + std::strerror(errno));
  std::vector<unsigned char> b(64 * 1024);
  std::size_t got = 0;
  while (got < b.size()) {
    const ssize_t n = ::pread(fd.get(), b.data() + got, b.size() - got, static_cast<off_t>(got));
    if (n < 0) throw ImageError(file.string() + ": cannot read: " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got < 72 || be(b, 0, 4) != kMagic) throw bad("it has no qcow2 header");
  Qcow2Header h;
  h.version = static_cast<std::uint32_t>(be(b, 4, 4));
  if (h.version != 2 && h.version != 3)
    throw bad("qcow2 version " + std::to_string(h.version) + ", not 2 or 3");
  const std::uint64_t backing_offset = be(b, 8, 8);
  const auto backing_size = static_cast<std::uint32_t>(be(b, 16, 4));
  h.cluster_bits = static_cast<std::uint32_t>(be(b, 20, 4));
  h.virtual_size = be(b, 24, 8);
  h.encryption = static_cast<std::uint32_t>(be(b, 32, 4));
  if (h.cluster_bits < 9 || h.cluster_bits > 21)
    throw bad("a cluster size of 2^" + std::to_string(h.cluster_bits) + " bytes");
  const std::size_t cluster = std::size_t{1} << h.cluster_bits;
  std::size_t header_length = 72;
  if (h.version == 3) {
    if (got < 104) throw bad("its version 3 header is cut short");
    h.incompatible = be(b, 72, 8);
    header_length = static_cast<std::size_t>(be(b, 100, 4));
    if (header_length < 104 || header_length > cluster) throw bad("a header length out of range");
  }
  // The header, its extensions and the backing name live in the first cluster.
  if (cluster > got && got == b.size()) {
    b.resize(cluster);
    while (got < b.size()) {
      const ssize_t n = ::pread(fd.get(), b.data() + got, b.size() - got, static_cast<off_t>(got));
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
  }
  const std::size_t limit = std::min(cluster, got);
  if (backing_offset != 0) {
    if (backing_size == 0 || backing_size > kMaxName)
      throw bad("a backing file name of " + std::to_string(backing_size) + " bytes");
    if (backing_offset > limit || backing_size > limit - backing_offset)
      throw bad("a backing file name outside its first cluster");
    h.backing_file.assign(reinterpret_cast<const char*>(b.data() + backing_offset), backing_size);
  }
  // Header extensions: type, length, data padded to 8 bytes; type 0 ends them.
  std::size_t at = header_length;
  for (;;) {
    if (at + 8 > limit) throw bad("its header extensions run past its first cluster");
    const auto type = static_cast<std::uint32_t>(be(b, at, 4));
    const auto length = static_cast<std::size_t>(be(b, at + 4, 4));
    at += 8;
    if (type == 0) break;
    if (length > limit - at) throw bad("a header extension runs past its first cluster");
    const std::string_view data(reinterpret_cast<const char*>(b.data() + at), length);
    if (type == kBackingFormat) h.backing_format = std::string(data);
    if (type == kDataFile) {
      h.has_data_file_extension = true;
      h.data_file = std::string(data);
    }
    at += (length + 7) & ~std::size_t{7};
  }
  return h;
}

}  // namespace hurdle
