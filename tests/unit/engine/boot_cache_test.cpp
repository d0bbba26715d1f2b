// The boot cache's tmpfs folders: each names the templates folder it belongs to, and a sweep
// gives back the memory of those whose cache folder is gone, unless a live process maps a file
// there (a QEMU still running on it).
#include "engine/boot_cache.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fstream>

#include "core/private_folder.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;

struct TmpfsFolders : ::testing::Test {
  PrivateFolder dir{"boot-cache-shm"};
  fs::path shm = dir / "shm";
  // A cache folder of its own with one RAM file of 1 MiB on `shm`; returns the RAM file.
  fs::path cache_with_ram(const std::string& name) {
    const BootCache cache(dir / name / "templates", BootCache::RamPlace::kShm,
                          shm / (name + "-digest"));
    std::string why;
    const fs::path ram = cache.ram_file("k", 1 << 20, why);
    std::ofstream(ram) << std::string(1 << 20, 'r');
    fs::create_directories(dir / name / "templates");
    return ram;
  }
};

TEST_F(TmpfsFolders, TheFoldersOfCachesThatAreGoneAreSweptUnlessMapped) {
  const fs::path live = cache_with_ram("live");
  const fs::path gone = cache_with_ram("gone");
  const fs::path mapped = cache_with_ram("mapped");
  ASSERT_EQ(shm.string().rfind(dir.path().string(), 0), 0u);
  EXPECT_EQ(test::read_file(live.parent_path() / "owner"),
            (dir / "live" / "templates").string() + "\n");
  // Made before folders named their owner: nobody can tell whose it is.
  fs::create_directories(shm / "legacy");
  std::ofstream(shm / "legacy" / "x.ram") << "old";
  fs::remove_all(dir / "gone");
  fs::remove_all(dir / "mapped");
  // This process maps the RAM file of a gone cache, as a QEMU would.
  const int fd = ::open(mapped.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  void* map = ::mmap(nullptr, 1 << 20, PROT_READ, MAP_PRIVATE, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  ::close(fd);

  const auto swept = BootCache::sweep_orphans(shm);
  std::vector<fs::path> folders;
  for (const auto& s : swept) folders.push_back(s.folder);
  std::sort(folders.begin(), folders.end());
  EXPECT_EQ(folders, (std::vector<fs::path>{gone.parent_path(), shm / "legacy"}));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(mapped));
  EXPECT_FALSE(fs::exists(gone));
  for (const auto& s : swept) {
    if (s.folder == gone.parent_path()) {
      EXPECT_GE(s.bytes, 1u << 20);
    }
  }

  ::munmap(map, 1 << 20);
  ASSERT_EQ(BootCache::sweep_orphans(shm).size(), 1u);  // no longer mapped
  EXPECT_FALSE(fs::exists(mapped));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(BootCache::sweep_orphans(shm).empty());
}

}  // namespace
}  // namespace hurdle
