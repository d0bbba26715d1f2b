// The multiboot medium made with Debian's GRUB (grub-mkrescue, rootless): its grub.cfg quotes
// every word so that GRUB expands none (GNU Mach's boot-script words reach the kernel, and no
// word can become a GRUB command), the medium holds the files at their places, and it is made
// once per content: the same inputs find it, a changed module makes another.
#include "image/multiboot_medium.hpp"

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/run_program.hpp"
#include "support/scratch_folder.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

MultibootSpec spec_in(const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream(dir / "kernel") << "not really a kernel";
  std::ofstream(dir / "probe") << "not really a module";
  MultibootSpec spec;
  spec.kernel = dir / "kernel";
  spec.command_line = {"console=com0"};
  spec.modules.push_back({dir / "probe",
                          "",
                          {"${host-port}", "${device-port}", "$(task-create)", "$(task-resume)"},
                          {}});
  return spec;
}

TEST(MultibootMedium, TheGrubConfigQuotesEveryWordAndNamesEachModule) {
  MultibootSpec spec = spec_in(test::scratch_folder() / "cfg");
  spec.modules[0].words.push_back("it's; reboot");
  const std::string cfg = multiboot_grub_config(spec);
  EXPECT_THAT(cfg, HasSubstr("serial --unit=0 --speed=115200\n"));
  EXPECT_THAT(cfg, HasSubstr("  echo booting-start-of-test\n"));
  EXPECT_THAT(cfg, HasSubstr("  multiboot /boot/kernel 'console=com0'\n"));
  EXPECT_THAT(cfg, HasSubstr("  module /boot/module-1 'probe' '${host-port}' '${device-port}' "
                             "'$(task-create)' '$(task-resume)' 'it'\\''s; reboot'\n"));
}

TEST(MultibootMedium, IsMadeOnceForItsContentAndHoldsTheFiles) {
  if (find_program("grub-mkrescue").empty()) GTEST_SKIP() << "no grub-mkrescue (ci/setup)";
  const fs::path dir = test::scratch_folder() / "medium";
  const MultibootSpec spec = spec_in(dir / "in");
  const fs::path medium = multiboot_medium(spec, dir / "cache");
  ASSERT_TRUE(fs::exists(medium));
  EXPECT_EQ(medium.parent_path(), dir / "cache" / "boot-media");
  // Found, not made again: the same file (a medium made again would be another, renamed in).
  struct stat before {};
  ASSERT_EQ(::stat(medium.c_str(), &before), 0);
  EXPECT_EQ(multiboot_medium(spec, dir / "cache"), medium);
  struct stat after {};
  ASSERT_EQ(::stat(medium.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);

  // What GRUB will read, taken back out of the ISO.
  const fs::path out = dir / "out";
  fs::create_directories(out);
  const ProgramResult x = run_program(
      {"xorriso", "-osirrox", "on", "-indev", medium.string(), "-extract", "/boot/grub/grub.cfg",
       (out / "grub.cfg").string(), "-extract", "/boot/module-1", (out / "module-1").string()});
  ASSERT_TRUE(x.ok()) << x.err;
  EXPECT_EQ(test::read_file(out / "grub.cfg"), multiboot_grub_config(spec));
  EXPECT_EQ(test::read_file(out / "module-1"), "not really a module");

  std::ofstream(dir / "in" / "probe") << " changed";
  EXPECT_NE(multiboot_medium(spec, dir / "cache"), medium);
}

TEST(MultibootMedium, MediaNotUsedLatelyGoAndAUseCountsAsUse) {
  if (find_program("grub-mkrescue").empty()) GTEST_SKIP() << "no grub-mkrescue (ci/setup)";
  const fs::path dir = test::scratch_folder() / "gc";
  const MultibootSpec old_spec = spec_in(dir / "old");
  MultibootSpec used_spec = spec_in(dir / "used");
  used_spec.command_line.push_back("-s");
  const fs::path old_medium = multiboot_medium(old_spec, dir / "cache");
  const fs::path used_medium = multiboot_medium(used_spec, dir / "cache");
  const auto ten_days_ago = fs::file_time_type::clock::now() - std::chrono::hours(240);
  fs::last_write_time(old_medium, ten_days_ago);
  fs::last_write_time(used_medium, ten_days_ago);
  EXPECT_EQ(multiboot_medium(used_spec, dir / "cache"), used_medium);  // used again today

  const auto removed = remove_unused_media(dir / "cache", std::chrono::hours(24 * 7));
  EXPECT_EQ(removed, std::vector<fs::path>{old_medium});
  EXPECT_FALSE(fs::exists(old_medium));
  EXPECT_TRUE(fs::exists(used_medium));
}

TEST(MultibootMedium, AMissingModuleIsNamed) {
  MultibootSpec spec = spec_in(test::scratch_folder() / "missing");
  spec.modules[0].file = test::scratch_folder() / "missing" / "gone";
  try {
    (void)multiboot_medium(spec, test::scratch_folder() / "missing-cache");
    FAIL() << "a medium was made without its module";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("gone"));
  }
}

}  // namespace
}  // namespace hurdle
