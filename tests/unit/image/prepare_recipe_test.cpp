// Recipes applied to a real Hurd ext2 root (made by mke2fs -o hurd) as the Hurd images need
// them, read back with debugfs; the recipe's digest changes with what it would write and only
// then; a recipe that does not fit the image says so instead of preparing nothing.
#include "image/prepare_recipe.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "image/image_lock.hpp"
#include "support/paths.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const char* kDebianGrubCfg =
    "insmod part_msdos\n"
    "set timeout=5\n"
    "terminal_output gfxterm\n"
    "menuentry 'Debian GNU/Hurd' {\n"
    "\tmultiboot\t/boot/gnumach-1.8-486.gz root=part:1:device:wd0\n"
    "\tmodule /hurd/ext2fs.static ext2fs --multiboot-command-line='${kernel-command-line}'\n"
    "}\n"
    "menuentry 'Debian GNU/Hurd, recovery' {\n"
    "\tmultiboot\t/boot/gnumach-1.8-486.gz root=part:1:device:wd0 -s console=com0\n"
    "}";  // no final newline, as an edited file may have

class PrepareRecipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "root/boot/grub");
    fs::create_directories(dir_ / "root/etc/ssh/sshd_config.d");
    fs::create_directories(dir_ / "root/root");
    std::ofstream(dir_ / "root/boot/grub/grub.cfg") << kDebianGrubCfg;
    const auto r = run_program({"mke2fs", "-q", "-o", "hurd", "-t", "ext2", "-E", "root_owner=0:0",
                                "-d", (dir_ / "root").string(), "-F", disk().string(), "16M"});
    ASSERT_TRUE(r.ok()) << r.err;
    lock_ = load_image_lock(test::source_dir() / "fixtures/images.lock.yaml");
  }
  [[nodiscard]] fs::path disk() const { return dir_ / "root.ext2"; }
  std::string debugfs(const std::string& request) {
    return run_program({"debugfs", "-R", request, disk().string()}).out;
  }
  // The shipped lock's recipes for the Debian amd64 image, with a key standing in.
  std::vector<PrepareStep> shipped(const std::string& key = "ssh-ed25519 AAAAkey hurdle") {
    return resolve_recipe(lock_.find("debian-hurd-amd64").prepare,
                          {{"hurdle_ssh_public_key", key}});
  }

  PrivateFolder dir_{"recipe"};
  ImageLock lock_;
};

TEST_F(PrepareRecipeTest, TheShippedRecipesPutTheConsoleOnComOneAndInstallTheKey) {
  {
    Ext2Filesystem fs(disk(), 0, true);
    const PrepareReport report = apply_recipe(fs, shipped());
    ASSERT_EQ(report.done.size(), 4u);
    EXPECT_EQ(report.done[0],
              "edited /boot/grub/grub.cfg: 1 of 2 matching line(s) changed, text added at the end");
    fs.close();
  }
  const std::string cfg = debugfs("cat /boot/grub/grub.cfg");
  // console=com0 once on each multiboot line, the recovery entry's own left alone.
  EXPECT_THAT(
      cfg,
      HasSubstr("\tmultiboot\t/boot/gnumach-1.8-486.gz root=part:1:device:wd0 console=com0\n"));
  EXPECT_THAT(cfg, HasSubstr("wd0 -s console=com0\n}"));
  EXPECT_EQ(cfg.find("console=com0 console=com0"), std::string::npos);
  // The module line is not a multiboot line, and the serial lines come last (after gfxterm).
  EXPECT_THAT(cfg, HasSubstr("--multiboot-command-line='${kernel-command-line}'\n"));
  EXPECT_GT(cfg.find("terminal_output serial console"), cfg.find("terminal_output gfxterm"));
  EXPECT_THAT(cfg, HasSubstr("}\n# Added by hurdle"));  // a newline was added before appending
  EXPECT_THAT(cfg, HasSubstr("serial --unit=0 --speed=115200\nterminal_input serial console\n"));
  EXPECT_EQ(debugfs("cat /root/.ssh/authorized_keys"), "ssh-ed25519 AAAAkey hurdle\n");
  EXPECT_THAT(debugfs("stat /root/.ssh/authorized_keys"), HasSubstr("Mode:  0600"));
  EXPECT_THAT(debugfs("stat /root/.ssh"), HasSubstr("Mode:  0700"));
  EXPECT_THAT(debugfs("cat /etc/ssh/sshd_config.d/hurdle.conf"),
              HasSubstr("\nPermitRootLogin prohibit-password\n"));
  EXPECT_EQ(run_program({"e2fsck", "-fn", disk().string()}).exit_code, 0);
}

TEST_F(PrepareRecipeTest, TheDigestFollowsWhatTheRecipeWouldWrite) {
  EXPECT_EQ(recipe_digest(shipped()), recipe_digest(shipped()));
  EXPECT_NE(recipe_digest(shipped()), recipe_digest(shipped("ssh-ed25519 AAAAother hurdle")));
  // The source position is not part of what it writes.
  auto moved = shipped();
  moved[0].where.line += 10;
  EXPECT_EQ(recipe_digest(moved), recipe_digest(shipped()));
  auto mode = shipped();
  mode.back().attributes.mode = 0644;
  EXPECT_NE(recipe_digest(mode), recipe_digest(shipped()));
}

TEST_F(PrepareRecipeTest, ARecipeThatDoesNotFitTheImageIsRefused) {
  const YAML::Node step = YAML::Load(
      "edit: { file: /boot/grub/grub.cfg, lines: { matching: '^\\s*linux\\s', append: ' x' } }");
  const std::vector<PrepareStep> steps = {read_prepare_step(step, "lock.yaml", "linux-console")};
  Ext2Filesystem fs(disk(), 0, true);
  try {
    (void)apply_recipe(fs, resolve_recipe(steps, {}));
    FAIL() << "applied";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("edit /boot/grub/grub.cfg (recipe linux-console, lock.yaml:1:1)"));
    EXPECT_THAT(e.what(),
                HasSubstr("has no line matching '^\\s*linux\\s': the recipe does not fit"));
  }
  const YAML::Node missing = YAML::Load("edit: { file: /boot/grub/menu.lst, append: x }");
  try {
    (void)apply_recipe(fs, {read_prepare_step(missing, "lock.yaml", "")});
    FAIL() << "applied";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no file /boot/grub/menu.lst to edit in the image"));
  }
}

TEST_F(PrepareRecipeTest, MkdirMakesMissingParentsAndPrependPutsTextFirst) {
  const YAML::Node steps = YAML::Load(
      "- mkdir: { path: /srv/a/b, mode: '0750', owner: '1000:1000' }\n"
      "- write: { file: /srv/a/b/c, content: \"data\\n\" }\n"
      "- edit: { file: /srv/a/b/c, prepend: \"first\\n\" }\n");
  std::vector<PrepareStep> parsed;
  for (const auto& s : steps) parsed.push_back(read_prepare_step(s, "lock.yaml", ""));
  {
    Ext2Filesystem fs(disk(), 0, true);
    (void)apply_recipe(fs, resolve_recipe(parsed, {}));
    fs.close();
  }
  EXPECT_EQ(debugfs("cat /srv/a/b/c"), "first\ndata\n");
  EXPECT_THAT(debugfs("stat /srv/a"), HasSubstr("Mode:  0750"));
  EXPECT_THAT(debugfs("stat /srv/a/b"), HasSubstr("User:  1000"));
  EXPECT_EQ(run_program({"e2fsck", "-fn", disk().string()}).exit_code, 0);
}

}  // namespace
}  // namespace hurdle
