// MBR partition tables as Debian's Hurd images have them (amd64: two primaries; i386: swap,
// an extended partition, the root in 5), and the damaged tables a download can bring.
#include "disk/partition_table.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "core/error.hpp"
#include "core/private_folder.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr std::uint64_t kMiB = 2048;  // sectors

// A sparse disk file whose sectors are written one by one.
class SyntheticDisk {
 public:
  SyntheticDisk(const fs::path& file, std::uint64_t sectors) : file_(file) {
    std::ofstream(file, std::ios::binary).close();
    fs::resize_file(file, sectors * 512);
  }
  // Writes one table entry (slot 0-3) of the table in sector `table_lba`.
  void entry(std::uint64_t table_lba, unsigned slot, std::uint8_t type, std::uint32_t start,
             std::uint32_t sectors, bool boot = false) {
    unsigned char e[16] = {};
    e[0] = boot ? 0x80 : 0;
    e[4] = type;
    for (int i = 0; i < 4; ++i) {
      e[8 + i] = static_cast<unsigned char>(start >> (8 * i));
      e[12 + i] = static_cast<unsigned char>(sectors >> (8 * i));
    }
    write(table_lba * 512 + 446 + 16 * slot, e, sizeof e);
    const unsigned char sig[2] = {0x55, 0xaa};
    write(table_lba * 512 + 510, sig, 2);
  }
  void write(std::uint64_t at, const unsigned char* data, std::size_t n) {
    std::fstream f(file_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(at));
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
  }

 private:
  fs::path file_;
};

TEST(PartitionTable, Amd64LayoutRootIsPartitionOne) {
  PrivateFolder dir("mbr");
  SyntheticDisk disk(dir / "amd64.img", 1024 * kMiB);
  disk.entry(0, 0, 0x83, kMiB, 768 * kMiB, true);
  disk.entry(0, 1, 0x82, 769 * kMiB, 64 * kMiB);
  const auto table = read_partition_table(dir / "amd64.img");
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table[0].number, 1u);
  EXPECT_TRUE(table[0].bootable);
  EXPECT_EQ(table[0].offset(), 1048576u);
  EXPECT_EQ(table[1].type, 0x82);
  const Partition root = choose_partition(table, {}, dir / "amd64.img");
  EXPECT_EQ(root.number, 1u);
  EXPECT_EQ(root.size(), 768ull << 20);
}

TEST(PartitionTable, I386LayoutRootIsTheLogicalPartitionFive) {
  PrivateFolder dir("mbr");
  SyntheticDisk disk(dir / "i386.img", 256 * kMiB);
  const std::uint32_t ext = 33 * kMiB;
  disk.entry(0, 0, 0x82, kMiB, 32 * kMiB);
  disk.entry(0, 1, 0x05, ext, 200 * kMiB);
  // First EBR: logical 5 (Linux), link to a second EBR; second EBR: logical 6 (swap).
  disk.entry(ext, 0, 0x83, kMiB, 150 * kMiB, true);
  disk.entry(ext, 1, 0x05, 160 * kMiB, 40 * kMiB);
  disk.entry(ext + 160 * kMiB, 0, 0x82, kMiB, 30 * kMiB);
  const auto table = read_partition_table(dir / "i386.img");
  ASSERT_EQ(table.size(), 4u);
  EXPECT_EQ(table[2].number, 5u);
  EXPECT_EQ(table[2].start_sector, ext + kMiB);  // relative to its EBR
  EXPECT_EQ(table[3].number, 6u);
  EXPECT_EQ(table[3].start_sector, ext + 160 * kMiB + kMiB);  // link relative to the extended
  EXPECT_EQ(choose_partition(table, {}, dir / "i386.img").number, 5u);
  EXPECT_EQ(choose_partition(table, {1}, dir / "i386.img").type, 0x82);
  try {
    (void)choose_partition(table, {2}, dir / "i386.img");
    FAIL() << "the extended partition was chosen";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("partition 2 is the extended one"));
  }
}

TEST(PartitionTable, DamagedTablesAreRefusedWithTheirCause) {
  PrivateFolder dir("mbr");
  const auto refused = [&](const fs::path& file, const std::string& why) {
    try {
      (void)read_partition_table(file);
      ADD_FAILURE() << file << " was accepted";
    } catch (const ImageError& e) {
      EXPECT_THAT(e.what(), HasSubstr(file.string()));
      EXPECT_THAT(e.what(), HasSubstr(why));
    }
  };
  SyntheticDisk blank(dir / "blank.img", 4 * kMiB);
  refused(dir / "blank.img", "the 55 AA signature is missing");

  SyntheticDisk gpt(dir / "gpt.img", 4 * kMiB);
  gpt.entry(0, 0, 0xee, 1, 4 * kMiB - 1);
  refused(dir / "gpt.img", "a GPT disk");

  SyntheticDisk cut(dir / "cut.img", 100 * kMiB);  // a download cut short
  cut.entry(0, 0, 0x83, kMiB, 768 * kMiB, true);
  refused(dir / "cut.img", "beyond the end of the file");

  SyntheticDisk loop(dir / "loop.img", 64 * kMiB);
  loop.entry(0, 1, 0x05, 8 * kMiB, 50 * kMiB);
  loop.entry(8 * kMiB, 0, 0x83, kMiB, kMiB);
  loop.entry(8 * kMiB, 1, 0x05, 0, 10 * kMiB);  // links back to itself
  refused(dir / "loop.img", "loops");

  std::ofstream(dir / "short.img") << "not a disk";
  refused(dir / "short.img", "beyond the end of the file");
}

TEST(PartitionTable, NoLinuxPartitionListsWhatThereIs) {
  PrivateFolder dir("mbr");
  SyntheticDisk disk(dir / "swap.img", 64 * kMiB);
  disk.entry(0, 0, 0x82, kMiB, 32 * kMiB);
  const auto table = read_partition_table(dir / "swap.img");
  try {
    (void)choose_partition(table, {}, dir / "swap.img");
    FAIL() << "no error";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no root partition (none of type 0x83)"));
    EXPECT_THAT(e.what(), HasSubstr("partition 1 (type 0x82, 32 MiB at byte 1048576)"));
  }
}

}  // namespace
}  // namespace hurdle
