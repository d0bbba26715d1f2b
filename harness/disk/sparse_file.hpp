// Writes a disk image file that keeps its holes: blocks of zeros are skipped (seeked over)
// instead of written, whether the source stored them as holes (a sparse tar) or as zeros (a
// compressed stream). Debian's Hurd disk is 4+ GB and mostly empty; written densely it would
// take gigabytes of disk and minutes of I/O for nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "core/unique_fd.hpp"

namespace hurdle {

class SparseFileWriter {
 public:
  // Creates (or truncates) `file`.
  explicit SparseFileWriter(const std::filesystem::path& file);
  SparseFileWriter(const SparseFileWriter&) = delete;
  SparseFileWriter& operator=(const SparseFileWriter&) = delete;

  // Writes `data` at `offset`, leaving holes where whole 4 KiB blocks are zero.
  void write_at(std::uint64_t offset, std::string_view data);
  // Sets the file's size to `size` (the part after the last data stays a hole), flushes it to
  // disk and closes it. Throws ImageError on failure.
  void finish(std::uint64_t size);

  [[nodiscard]] std::uint64_t data_bytes() const { return data_bytes_; }  // written, not skipped

 private:
  std::filesystem::path file_;
  UniqueFd fd_;
  std::uint64_t data_bytes_ = 0;
};

// Whether `n` bytes from `p` are all zero (at memory speed).
[[nodiscard]] bool all_zero(const char* p, std::size_t n);

struct FileExtent {
  std::uint64_t apparent = 0;   // st_size
  std::uint64_t allocated = 0;  // st_blocks * 512: what it really takes on disk
};

FileExtent file_extent(const std::filesystem::path& file);

// Copies `from` to `to` keeping holes (and making holes of zero blocks).
void copy_sparse(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace hurdle
