// The header of a qcow2 file, read by hurdle itself and never by QEMU: which file it names as
// its backing file and in which format, and whether it keeps its data in another file (an
// external data file). A qcow2 file from outside (a template pack's frozen disk) names host
// files in its header; QEMU and qemu-img follow those names when they open it, so a disk is
// checked here before any of them opens it (qemu/disk_overlay's check_overlay_confined).
// Layout: QEMU's docs/interop/qcow2.txt (big-endian header, version 2 or 3, extensions after
// it up to the end of the first cluster).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace hurdle {

struct Qcow2Header {
  std::uint32_t version = 0;       // 2 or 3
  std::uint64_t virtual_size = 0;  // the disk's size as the guest sees it
  std::uint32_t cluster_bits = 0;
  std::uint32_t encryption = 0;    // crypt_method: 0 none
  std::uint64_t incompatible = 0;  // feature bits a reader must know (version 3)
  std::string backing_file;        // empty: none
  std::string backing_format;      // the backing format extension, if any
  std::string data_file;           // the external data file extension, if any
  bool has_data_file_extension = false;

  static constexpr std::uint64_t kDirty = 1U << 0;
  static constexpr std::uint64_t kCorrupt = 1U << 1;
  static constexpr std::uint64_t kExternalData = 1U << 2;
  static constexpr std::uint64_t kCompressionType = 1U << 3;
  static constexpr std::uint64_t kExtendedL2 = 1U << 4;

  [[nodiscard]] bool external_data() const {
    return (incompatible & kExternalData) != 0 || has_data_file_extension;
  }
};

// Reads `file`'s header. Throws ImageError naming the file and what is wrong when it is not a
// qcow2 file, or its header is malformed (names out of the file, extensions that overrun).
[[nodiscard]] Qcow2Header read_qcow2_header(const std::filesystem::path& file);

}  // namespace hurdle
