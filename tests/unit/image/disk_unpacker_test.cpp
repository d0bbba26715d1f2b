// Unpacking every archive type a lock can name, into a disk that keeps its holes: the content
// is the original's (sha256) and the file takes a fraction of its size on disk (du vs ls -l),
// whether the archive stored holes (tar --sparse) or zeros (gzip, xz, a plain tar).
#include "image/disk_unpacker.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "disk/sparse_file.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr std::uint64_t kDiskSize = 64ull << 20;

// A 64 MiB disk with data at its start, in its middle (not block-aligned) and at its very end.
fs::path make_disk(const PrivateFolder& dir) {
  const fs::path disk = dir / "disk.img";
  SparseFileWriter w(disk);
  w.write_at(0, std::string(512, '\x55'));
  w.write_at((20ull << 20) + 100, std::string(300000, 'h'));
  w.write_at(kDiskSize - 4096, std::string(4096, 'e'));
  w.finish(kDiskSize);
  return disk;
}

void run(const std::vector<std::string>& argv) {
  const auto r = run_program(argv);
  ASSERT_TRUE(r.ok()) << argv.front() << ": " << r.err;
}

void expect_same_and_sparse(const fs::path& original, const fs::path& unpacked,
                            const UnpackResult& result) {
  EXPECT_EQ(test::sha256_of(unpacked), test::sha256_of(original));
  const FileExtent e = file_extent(unpacked);
  EXPECT_EQ(e.apparent, kDiskSize);
  EXPECT_EQ(result.size, kDiskSize);
  // ~300 KB of data in 64 MiB: the holes must have stayed holes.
  EXPECT_LT(e.allocated, 2u << 20) << "the unpacked disk is not sparse";
  EXPECT_LT(result.data_bytes, 1u << 20);
}

TEST(DiskUnpacker, SparseTarXzKeepsTheHoles) {
  PrivateFolder dir("unpack");
  const fs::path disk = make_disk(dir);
  run({"tar", "--sparse", "-C", dir.path().string(), "-cJf", (dir / "d.img.tar.xz").string(),
       "disk.img"});
  std::uint64_t last = 0;
  const auto r =
      unpack_disk_image(dir / "d.img.tar.xz", ArchiveType::kTarXz, "disk.img", dir / "out.img",
                        [&](std::uint64_t done, std::uint64_t) { last = done; });
  expect_same_and_sparse(disk, dir / "out.img", r);
  EXPECT_EQ(last, fs::file_size(dir / "d.img.tar.xz"));
}

TEST(DiskUnpacker, ZerosStoredDenselyBecomeHoles) {
  PrivateFolder dir("unpack");
  const fs::path disk = make_disk(dir);
  // A plain tar (no --sparse) stores every zero, and so do gzip and xz.
  run({"tar", "-C", dir.path().string(), "-czf", (dir / "d.img.tar.gz").string(), "./disk.img"});
  run({"gzip", "-k", "-1", disk.string()});
  run({"xz", "-k", "-0", "-T1", disk.string()});
  expect_same_and_sparse(
      disk, dir / "a.img",
      unpack_disk_image(dir / "d.img.tar.gz", ArchiveType::kTarGz, "disk.img", dir / "a.img"));
  expect_same_and_sparse(
      disk, dir / "b.img",
      unpack_disk_image(dir / "disk.img.gz", ArchiveType::kGz, "", dir / "b.img"));
  expect_same_and_sparse(
      disk, dir / "c.img",
      unpack_disk_image(dir / "disk.img.xz", ArchiveType::kXz, "", dir / "c.img"));
  expect_same_and_sparse(disk, dir / "d.img",
                         unpack_disk_image(disk, ArchiveType::kNone, "", dir / "d.img"));
}

// A container and a compression, each named once: every pair reads back as itself, and a
// tar.zst (a compression added to the table in one line) unpacks like the others.
TEST(DiskUnpacker, ContainerAndCompressionAreNamedApart) {
  for (const char* name : {"none", "tar", "tar.xz", "tar.gz", "tar.zst", "xz", "gz", "zst"}) {
    const auto type = parse_archive_type(name);
    ASSERT_TRUE(type) << name;
    EXPECT_EQ(to_string(*type), name);
  }
  EXPECT_EQ(parse_archive_type("tar.xz"), ArchiveType::kTarXz);
  EXPECT_FALSE(parse_archive_type("zip"));
  EXPECT_FALSE(parse_archive_type("tar."));
  PrivateFolder dir("unpack");
  const fs::path disk = make_disk(dir);
  run({"tar", "--sparse", "--zstd", "-C", dir.path().string(), "-cf",
       (dir / "d.img.tar.zst").string(), "disk.img"});
  expect_same_and_sparse(disk, dir / "z.img",
                         unpack_disk_image(dir / "d.img.tar.zst", *parse_archive_type("tar.zst"),
                                           "disk.img", dir / "z.img"));
}

TEST(DiskUnpacker, ATarWithOneFileNeedsNoMemberName) {
  PrivateFolder dir("unpack");
  const fs::path disk = make_disk(dir);
  run({"tar", "--sparse", "-C", dir.path().string(), "-cJf", (dir / "d.tar.xz").string(),
       "disk.img"});
  expect_same_and_sparse(
      disk, dir / "out.img",
      unpack_disk_image(dir / "d.tar.xz", ArchiveType::kTarXz, "", dir / "out.img"));
}

TEST(DiskUnpacker, WrongMemberWrongTypeAndDamageAreRefused) {
  PrivateFolder dir("unpack");
  make_disk(dir);
  std::ofstream(dir / "README") << "two files\n";
  run({"tar", "-C", dir.path().string(), "-cJf", (dir / "two.tar.xz").string(), "disk.img",
       "README"});
  const auto refused = [&](const fs::path& a, ArchiveType t, const std::string& member,
                           const std::string& why) {
    try {
      (void)unpack_disk_image(a, t, member, dir / "out.img");
      ADD_FAILURE() << a << " was unpacked";
    } catch (const ImageError& e) {
      EXPECT_THAT(e.what(), HasSubstr(a.string()));
      EXPECT_THAT(e.what(), HasSubstr(why));
    }
  };
  refused(dir / "two.tar.xz", ArchiveType::kTarXz, "hurd.img",
          "no 'hurd.img' in the archive; it holds: disk.img, README");
  refused(dir / "two.tar.xz", ArchiveType::kTarXz, "", "holds 2 files; name the disk");
  refused(dir / "two.tar.xz", ArchiveType::kTarGz, "disk.img", "not a tar.gz archive");
  // Cut the archive in half, as an interrupted download that was never verified would be.
  fs::copy_file(dir / "two.tar.xz", dir / "cut.tar.xz");
  fs::resize_file(dir / "cut.tar.xz", fs::file_size(dir / "two.tar.xz") / 2);
  refused(dir / "cut.tar.xz", ArchiveType::kTarXz, "disk.img", "damaged or truncated");
}

}  // namespace
}  // namespace hurdle
