// The MBR partition table of a raw disk image, with the logical partitions of an extended
// partition, numbered as Linux and GNU Mach number them (primary 1-4, logical from 5). The
// image preparation reads it to find the filesystem to edit: Debian's amd64 Hurd image has its
// root in partition 1, the i386 one in partition 5, so the number is read, never assumed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hurdle {

struct Partition {
  unsigned number = 0;    // 1-4 primary, 5... logical
  std::uint8_t type = 0;  // 0x83 Linux, 0x82 swap, 0x05/0x0f/0x85 extended...
  bool bootable = false;
  std::uint64_t start_sector = 0;  // absolute, in 512-byte sectors
  std::uint64_t sectors = 0;

  [[nodiscard]] std::uint64_t offset() const { return start_sector * 512; }
  [[nodiscard]] std::uint64_t size() const { return sectors * 512; }
  [[nodiscard]] bool extended() const { return type == 0x05 || type == 0x0f || type == 0x85; }
  // "partition 5 (type 0x83, 192 MiB at byte 70254592)".
  [[nodiscard]] std::string describe() const;
};

// Reads the table. Throws ImageError naming the file when there is none (no 55 AA signature),
// when the disk is GPT (a protective MBR), when a partition reaches past the end of the file, or
// when the chain of logical partitions loops.
std::vector<Partition> read_partition_table(const std::filesystem::path& disk);

// Which partition a preparation edits: "root" (the last Linux partition, type 0x83, as in
// Debian's images) or a partition number.
struct PartitionChoice {
  unsigned number = 0;  // 0: the last type-0x83 partition

  [[nodiscard]] std::string describe() const;
};

// The partition `choice` names. Throws ImageError listing the table when there is none.
Partition choose_partition(const std::vector<Partition>& table, PartitionChoice choice,
                           const std::filesystem::path& disk);

}  // namespace hurdle
