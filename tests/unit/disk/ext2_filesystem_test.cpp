// Editing a Hurd ext2 root inside a disk image, at the partition's offset, without mounting:
// debugfs (an independent reader) sees the new content, modes and owners, and e2fsck finds the
// filesystem clean afterwards.
#include "disk/ext2_filesystem.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr std::uint64_t kOffset = 1 << 20;

class Ext2FilesystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "root/boot/grub");
    fs::create_directories(dir_ / "root/etc/ssh");
    fs::create_directories(dir_ / "root/root");
    std::ofstream(dir_ / "root/boot/grub/grub.cfg") << "multiboot /boot/gnumach.gz root=part:1\n";
    fs::create_symlink("/etc/passwd", dir_ / "root/etc/link");
    // A Hurd filesystem starting 1 MiB into the disk file, as a partition would.
    const auto r = run_program({"mke2fs", "-q", "-o", "hurd", "-t", "ext2", "-L", "hurd-root", "-E",
                                "offset=" + std::to_string(kOffset) + ",root_owner=0:0", "-d",
                                (dir_ / "root").string(), "-F", disk().string(), "32M"});
    ASSERT_TRUE(r.ok()) << r.err;
  }

  [[nodiscard]] fs::path disk() const { return dir_ / "disk.img"; }
  [[nodiscard]] std::string device() const {
    return disk().string() + "?offset=" + std::to_string(kOffset);
  }
  std::string debugfs(const std::string& request) {
    const auto r = run_program({"debugfs", "-R", request, device()});
    EXPECT_TRUE(r.ok()) << r.err;
    return r.out;
  }
  void expect_clean() {
    const auto r = run_program({"e2fsck", "-fn", device()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  PrivateFolder dir_{"ext2"};
};

TEST_F(Ext2FilesystemTest, ReadsWhatMke2fsWrote) {
  Ext2Filesystem fs(disk(), kOffset, false);
  EXPECT_EQ(fs.info().creator_os, "Hurd");
  EXPECT_EQ(fs.info().label, "hurd-root");
  EXPECT_EQ(fs.read_file("/boot/grub/grub.cfg"), "multiboot /boot/gnumach.gz root=part:1\n");
  EXPECT_TRUE(fs.status("/root")->directory);
  EXPECT_TRUE(fs.status("/etc/link")->symlink);
  EXPECT_FALSE(fs.status("/root/.ssh").has_value());
}

TEST_F(Ext2FilesystemTest, ReplacesCreatesAndMakesFoldersThatDebugfsAndE2fsckAccept) {
  const std::string long_text(20000, 'x');  // more than a block: the old blocks must be freed
  {
    Ext2Filesystem fs(disk(), kOffset, true);
    fs.write_file("/boot/grub/grub.cfg", long_text, {0644, 0, 0});
    fs.write_file("/boot/grub/grub.cfg", "serial --unit=0\n", {0644, 0, 0});  // shorter again
    fs.make_directory("/root/.ssh", {0700, 0, 0});
    fs.make_directory("/root/.ssh", {0700, 0, 0});  // already there: left as it is
    fs.write_file("/root/.ssh/authorized_keys", "ssh-ed25519 AAAA hurdle\n", {0600, 1000, 1001});
    // Enough new files that the folder must grow beyond its first block.
    for (int i = 0; i < 200; ++i)
      fs.write_file("/etc/ssh/drop-in-number-" + std::to_string(i) + ".conf", "x\n", {});
    fs.close();
  }
  EXPECT_EQ(debugfs("cat /boot/grub/grub.cfg"), "serial --unit=0\n");
  EXPECT_EQ(debugfs("cat /root/.ssh/authorized_keys"), "ssh-ed25519 AAAA hurdle\n");
  const std::string key = debugfs("stat /root/.ssh/authorized_keys");
  EXPECT_THAT(key, HasSubstr("Mode:  0600"));
  EXPECT_THAT(key, HasSubstr("User:  1000"));
  EXPECT_THAT(key, HasSubstr("Group:  1001"));
  EXPECT_THAT(debugfs("stat /root/.ssh"), HasSubstr("Mode:  0700"));
  EXPECT_EQ(debugfs("cat /etc/ssh/drop-in-number-199.conf"), "x\n");
  expect_clean();
}

TEST_F(Ext2FilesystemTest, RefusesUnsafePathsAndMissingFolders) {
  Ext2Filesystem fs(disk(), kOffset, true);
  const auto refused = [&](auto&& action, const std::string& why) {
    try {
      action();
      ADD_FAILURE() << "accepted; expected: " << why;
    } catch (const ImageError& e) {
      EXPECT_THAT(e.what(), HasSubstr(why));
      EXPECT_THAT(e.what(), HasSubstr(disk().string() + " at byte 1048576"));
    }
  };
  refused([&] { fs.write_file("/etc/link", "x", {}); }, "a symbolic link: not followed");
  refused([&] { fs.write_file("/root/../etc/passwd", "x", {}); }, "'.' and '..' are not allowed");
  refused([&] { fs.write_file("etc/passwd", "x", {}); }, "not an absolute path");
  refused([&] { fs.write_file("/no/such/file", "x", {}); }, "/no/such does not exist");
  refused([&] { fs.make_directory("/boot/grub/grub.cfg", {}); }, "exists and is not a folder");
  refused([&] { (void)fs.read_file("/boot/nothing"); }, "no file /boot/nothing");
  fs.close();
  expect_clean();
}

TEST_F(Ext2FilesystemTest, NoFilesystemAtTheOffsetIsAClearError) {
  try {
    Ext2Filesystem fs(disk(), 0, false);  // the MBR gap, not the filesystem
    FAIL() << "opened";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr(disk().string() + " at byte 0: no ext2 filesystem"));
  }
}

}  // namespace
}  // namespace hurdle
