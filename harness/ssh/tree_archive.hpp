// Folder trees as tar streams, for copying a project's tree into a guest and results out of
// it over one SSH channel each way (ssh.put and ssh.get of a folder).
//
// Writing (host -> guest): the tree is walked without following symlinks and streamed as
// ustar/pax to a sink in pieces; modes, symlinks and modification times are kept, owners are
// not (every entry says root, so that the guest's user owns what it unpacks).
//
// Reading (guest -> host) treats the archive as hostile: only regular files, folders and
// symlinks are made; a name that is absolute, holds `..` or is not valid is refused; nothing is
// ever written through a symlink (each folder is opened with O_NOFOLLOW below the target, and
// each file created with O_NOFOLLOW); setuid, setgid and sticky bits are dropped; hard links,
// devices and FIFOs are skipped and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hurdle {

// What a transfer moves at a time, in both directions: a tar block, an SFTP read or write.
inline constexpr std::size_t kTransferPiece = 64 * 1024;

struct TreeStats {
  std::uint64_t files = 0;
  std::uint64_t folders = 0;
  std::uint64_t symlinks = 0;
  std::uint64_t bytes = 0;    // of file contents
  std::uint64_t skipped = 0;  // excluded (writing) or refused kinds (reading)

  // "4 files, 4 folders, 1 symlinks, 3145781 bytes (2 SKIPPED_AS)".
  [[nodiscard]] std::string describe(const std::string& skipped_as) const;
};

// Streams `dir`'s contents (not `dir` itself) as a tar archive to `sink`. `exclude`: glob
// patterns (fnmatch) matched against each entry's name and against its path relative to `dir`;
// a folder that matches is left out with everything in it. Throws TransferError naming what could
// not be read.
TreeStats write_tree_as_tar(const std::filesystem::path& dir,
                            const std::vector<std::string>& exclude,
                            const std::function<void(std::string_view)>& sink);

// Unpacks the tar archive in `archive_file` into the folder `into` (made if missing); see the
// rules above. Throws TransferError naming the archive and the entry that broke them.
TreeStats extract_tar_safely(const std::filesystem::path& archive_file,
                             const std::filesystem::path& into);

}  // namespace hurdle
