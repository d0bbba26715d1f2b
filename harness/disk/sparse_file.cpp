#include "disk/sparse_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace hurdle {

namespace {

constexpr std::uint64_t kBlock = 4096;

void pwrite_all(int fd, const char* data, std::size_t size, std::uint64_t offset,
                const std::filesystem::path& file) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw ImageError(file.string() + ": writing failed: " + std::strerror(errno) +
                       (errno == ENOSPC ? " (the disk is full)" : ""));
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

}  // namespace

bool all_zero(const char* p, std::size_t n) {
  // Compare the block with itself shifted by one byte: equal and the first byte zero means
  // every byte is zero (memcmp runs at memory speed).
  return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0);
}

SparseFileWriter::SparseFileWriter(const std::filesystem::path& file) : file_(file) {
  fd_.reset(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd_.valid()) throw ImageError(file.string() + ": cannot create: " + std::strerror(errno));
}

void SparseFileWriter::write_at(std::uint64_t offset, std::string_view data) {
  // Align pieces to the block grid so that a zero block is recognised wherever the data starts.
  std::size_t i = 0;
  while (i < data.size()) {
    const std::uint64_t at = offset + i;
    const std::size_t len =
        static_cast<std::size_t>(std::min<std::uint64_t>(kBlock - at % kBlock, data.size() - i));
    // Runs of non-zero blocks go out in one pwrite.
    std::size_t run = 0;
    while (i + run < data.size()) {
      const std::uint64_t here = at + run;
      const std::size_t piece = static_cast<std::size_t>(
          std::min<std::uint64_t>(kBlock - here % kBlock, data.size() - i - run));
      if (all_zero(data.data() + i + run, piece)) break;
      run += piece;
    }
    if (run > 0) {
      pwrite_all(fd_.get(), data.data() + i, run, at, file_);
      data_bytes_ += run;
      i += run;
    } else {
      i += len;  // a zero block: leave the hole
    }
  }
}

void SparseFileWriter::finish(std::uint64_t size) {
  if (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0)
    throw ImageError(file_.string() + ": cannot set its size: " + std::strerror(errno));
  if (::fdatasync(fd_.get()) != 0)
    throw ImageError(file_.string() + ": cannot flush it to disk: " + std::strerror(errno));
  fd_.reset();
}

FileExtent file_extent(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw ImageError(file.string() + ": cannot stat: " + std::strerror(errno));
  return {static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_blocks) * 512};
}

void copy_sparse(const std::filesystem::path& from, const std::filesystem::path& to) {
  const UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) throw ImageError(from.string() + ": cannot read: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(in.get(), &st) != 0)
    throw ImageError(from.string() + ": cannot stat: " + std::strerror(errno));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  SparseFileWriter out(to);
  std::vector<char> buffer(1 << 20);
  // Visit only the data regions (SEEK_DATA/SEEK_HOLE); the holes stay holes.
  off_t pos = 0;
  while (static_cast<std::uint64_t>(pos) < size) {
    const off_t data = ::lseek(in.get(), pos, SEEK_DATA);
    if (data < 0) break;  // ENXIO: only a hole is left
    off_t hole = ::lseek(in.get(), data, SEEK_HOLE);
    if (hole < 0) hole = static_cast<off_t>(size);
    for (off_t at = data; at < hole;) {
      const auto want = static_cast<std::size_t>(
          std::min<std::uint64_t>(buffer.size(), static_cast<std::uint64_t>(hole - at)));
      const ssize_t n = ::pread(in.get(), buffer.data(), want, at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw ImageError(from.string() + ": reading failed: " + std::strerror(errno));
      out.write_at(static_cast<std::uint64_t>(at), {buffer.data(), static_cast<std::size_t>(n)});
      at += n;
    }
    pos = hole;
  }
  out.finish(size);
}

}  // namespace hurdle
