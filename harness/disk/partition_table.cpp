#include "disk/partition_table.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace hurdle {

namespace {

constexpr std::uint64_t kSector = 512;
constexpr std::size_t kTableOffset = 446;
constexpr unsigned kMaxLogical = 128;  // a chain longer than this is damaged, not a real disk

using SectorBytes = std::array<unsigned char, kSector>;

std::uint32_t le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::string hex_type(std::uint8_t type) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", type);
  return buf;
}

class DiskReader {
 public:
  explicit DiskReader(const std::filesystem::path& disk) : disk_(disk) {
    fd_.reset(::open(disk.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_.valid())
      throw ImageError(disk.string() + ": cannot read the disk image: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0)
      throw ImageError(disk.string() + ": cannot stat the disk image: " + std::strerror(errno));
    size_ = static_cast<std::uint64_t>(st.st_size);
  }

  SectorBytes sector(std::uint64_t lba, const std::string& what) const {
    SectorBytes bytes{};
    if ((lba + 1) * kSector > size_)
      throw ImageError(disk_.string() + ": " + what + " at sector " + std::to_string(lba) +
                       " lies beyond the end of the file (" + std::to_string(size_) + " bytes)");
    const ssize_t n = ::pread(fd_.get(), bytes.data(), kSector, static_cast<off_t>(lba * kSector));
    if (n != static_cast<ssize_t>(kSector))
      throw ImageError(disk_.string() + ": cannot read " + what + " at sector " +
                       std::to_string(lba));
    return bytes;
  }

  [[nodiscard]] std::uint64_t size() const { return size_; }
  [[nodiscard]] const std::filesystem::path& path() const { return disk_; }

 private:
  std::filesystem::path disk_;
  UniqueFd fd_;
  std::uint64_t size_ = 0;
};

void check_signature(const SectorBytes& s, const DiskReader& disk, const std::string& what) {
  if (s[510] != 0x55 || s[511] != 0xaa)
    throw ImageError(disk.path().string() + ": no " + what +
                     " (the 55 AA signature is missing): not a disk image with an MBR "
                     "partition table");
}

Partition entry(const SectorBytes& s, unsigned slot, std::uint64_t base, unsigned number) {
  const unsigned char* e = s.data() + kTableOffset + 16 * slot;
  Partition p;
  p.number = number;
  p.bootable = e[0] == 0x80;
  p.type = e[4];
  p.start_sector = base + le32(e + 8);
  p.sectors = le32(e + 12);
  return p;
}

void check_inside(const Partition& p, const DiskReader& disk) {
  if (p.offset() + p.size() > disk.size())
    throw ImageError(disk.path().string() + ": " + p.describe() + " ends at byte " +
                     std::to_string(p.offset() + p.size()) + ", beyond the end of the file (" +
                     std::to_string(disk.size()) +
                     " bytes): a truncated download or a damaged "
                     "image");
}

// The logical partitions of the extended partition `ext`: each EBR holds one partition
// (relative to the EBR) and a link to the next EBR (relative to the extended partition).
void read_logical(const DiskReader& disk, const Partition& ext, std::vector<Partition>& out) {
  std::uint64_t ebr = ext.start_sector;
  std::set<std::uint64_t> seen;
  for (unsigned number = 5;; ++number) {
    if (!seen.insert(ebr).second || number - 5 >= kMaxLogical)
      throw ImageError(disk.path().string() +
                       ": the chain of logical partitions loops or never ends (extended " +
                       ext.describe() + ")");
    const SectorBytes s = disk.sector(ebr, "an extended boot record");
    check_signature(s, disk, "extended boot record at sector " + std::to_string(ebr));
    Partition p = entry(s, 0, ebr, number);
    if (p.type != 0 && p.sectors != 0) {
      check_inside(p, disk);
      out.push_back(p);
    }
    const Partition link = entry(s, 1, ext.start_sector, 0);
    if (link.type == 0 || link.sectors == 0) return;
    ebr = link.start_sector;
  }
}

}  // namespace

std::string Partition::describe() const {
  const std::uint64_t mib = size() >> 20;
  return "partition " + std::to_string(number) + " (type " + hex_type(type) + ", " +
         (mib > 0 ? std::to_string(mib) + " MiB" : std::to_string(size()) + " bytes") +
         " at byte " + std::to_string(offset()) + ")";
}

std::string PartitionChoice::describe() const {
  return number == 0 ? "the root partition (the last of type 0x83)"
                     : "partition " + std::to_string(number);
}

std::vector<Partition> read_partition_table(const std::filesystem::path& disk_file) {
  const DiskReader disk(disk_file);
  const SectorBytes mbr = disk.sector(0, "the master boot record");
  check_signature(mbr, disk, "master boot record");
  std::vector<Partition> table;
  std::vector<Partition> logical;
  bool seen_extended = false;
  for (unsigned slot = 0; slot < 4; ++slot) {
    const Partition p = entry(mbr, slot, 0, slot + 1);
    if (p.type == 0 || p.sectors == 0) continue;
    if (p.type == 0xee)
      throw ImageError(disk_file.string() +
                       ": a GPT disk (its MBR is a protective one, type 0xee); hurdle reads MBR "
                       "partition tables, as Debian's Hurd images have");
    check_inside(p, disk);
    table.push_back(p);
    if (p.extended()) {
      if (seen_extended)
        throw ImageError(disk_file.string() + ": more than one extended partition");
      seen_extended = true;
      read_logical(disk, p, logical);
    }
  }
  table.insert(table.end(), logical.begin(), logical.end());
  return table;
}

Partition choose_partition(const std::vector<Partition>& table, PartitionChoice choice,
                           const std::filesystem::path& disk) {
  const Partition* found = nullptr;
  for (const auto& p : table) {
    if (choice.number == 0 ? p.type == 0x83 : p.number == choice.number) found = &p;
  }
  if (found != nullptr && !found->extended()) return *found;
  std::string listing;
  for (const auto& p : table) listing += "\n  " + p.describe();
  if (table.empty()) listing = " (the table is empty)";
  const std::string missing = choice.number == 0 ? "no root partition (none of type 0x83)"
                                                 : "no partition " + std::to_string(choice.number);
  throw ImageError(
      disk.string() + ": " +
      (found != nullptr ? choice.describe() + " is the extended one, not a filesystem" : missing) +
      "; the partition table holds:" + listing);
}

}  // namespace hurdle
