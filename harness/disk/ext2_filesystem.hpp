// An ext2/3/4 filesystem inside a disk image file, read and edited in place without mounting
// and without root (libext2fs, at the partition's byte offset). The image preparation uses it
// to put the GRUB console on the serial port and to install an SSH key in a Hurd root.
// Paths are absolute inside the filesystem; ".." and writing through a symbolic link are
// refused, so nothing outside the intended file is touched.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hurdle {

struct Ext2FileStatus {
  bool directory = false;
  bool regular = false;
  bool symlink = false;
  unsigned mode = 0;  // permission bits (07777)
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;
};

// The owner and permissions a written file or a new folder gets.
struct Ext2Attributes {
  unsigned mode = 0644;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

struct Ext2Info {
  std::string creator_os;  // "Hurd", "Linux", ...
  std::string label;
  std::uint64_t block_size = 0;
  std::uint64_t blocks = 0;
  std::uint64_t free_blocks = 0;
};

class Ext2Filesystem {
 public:
  // Opens the filesystem that starts `offset` bytes into `image`. Throws ImageError when there
  // is none there (the message names the file and the offset).
  Ext2Filesystem(const std::filesystem::path& image, std::uint64_t offset, bool writable);
  // Closes, writing what changed; errors are lost here: call close() to see them.
  ~Ext2Filesystem();
  Ext2Filesystem(const Ext2Filesystem&) = delete;
  Ext2Filesystem& operator=(const Ext2Filesystem&) = delete;

  // Writes the superblock and bitmaps and closes. Throws ImageError on failure.
  void close();

  [[nodiscard]] Ext2Info info() const;
  // nullopt when `path` does not exist.
  [[nodiscard]] std::optional<Ext2FileStatus> status(const std::string& path) const;
  // A regular file's content (at most `max_bytes`, else ImageError).
  [[nodiscard]] std::string read_file(const std::string& path,
                                      std::size_t max_bytes = 16u << 20) const;
  // Creates the file or replaces its content; either way it ends with `attributes`. The
  // folder it goes in must exist.
  void write_file(const std::string& path, std::string_view content,
                  const Ext2Attributes& attributes);
  // Creates one folder (its parent must exist) with `attributes`; an existing folder is left
  // as it is.
  void make_directory(const std::string& path, const Ext2Attributes& attributes);

  // "disk.img at byte 1048576", for messages.
  [[nodiscard]] std::string where() const;

 private:
  // The inode of the folder `path` (split into `parts`) goes in; ImageError when it is missing.
  std::uint32_t parent_folder(const std::vector<std::string>& parts, const std::string& path,
                              const char* doing) const;
  // write_file's steps: a new empty regular file `name` in the folder `dir` (its inode), and
  // the file `ino`'s content replaced by `content`.
  std::uint32_t new_file(std::uint32_t dir, const std::string& name, const std::string& path);
  void replace_content(std::uint32_t ino, std::string_view content, const std::string& path);

  struct Handle;
  std::filesystem::path image_;
  std::uint64_t offset_;
  bool writable_;
  Handle* handle_ = nullptr;
};

}  // namespace hurdle
