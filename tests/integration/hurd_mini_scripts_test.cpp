// The scripts that make hurd-mini take nothing but Debian's archive (fixtures/guests/hurd-mini):
// build-from-source, against a mirror on 127.0.0.1 that serves no index, a forged one or the
// signed index of another suite, stops before it fetches or builds anything; ./build makes a disk
// only of the root filesystem build-from-source made and described, and where there is none it
// removes an old disk and is skipped (77) with the reason the tests then give.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "core/run_program.hpp"
#include "support/file_server.hpp"
#include "support/hurd_mini.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using test::read_file;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const fs::path kScripts = test::source_dir() / "fixtures/guests";
const fs::path kAptBookworm = "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease";

// A new folder of this test's own (CTest runs the tests of this file at once).
fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::path(::testing::TempDir()) /
      (name + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
       std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// build-from-source --fetch-only against a mirror that serves what `mirror` holds.
class BuildFromSource : public ::testing::Test {
 protected:
  void SetUp() override {
    mirror_ = fresh_dir("hurd-mini-mirror");
    work_ = fresh_dir("hurd-mini-work");
  }
  void TearDown() override {
    fs::remove_all(mirror_);
    fs::remove_all(work_);
  }

  ProgramResult fetch(const test::FileServer& server) {
    ::setenv("HURDLE_DEBIAN_MIRROR", server.url("debian").c_str(), 1);
    auto result = run_program({(kScripts / "hurd-mini/build-from-source").string(), "--work",
                               work_.string(), "--fetch-only"});
    ::unsetenv("HURDLE_DEBIAN_MIRROR");
    return result;
  }

  // Nothing fetched but the index it refused: no package's files, no list of fetched files.
  void expect_nothing_fetched() const {
    EXPECT_FALSE(fs::exists(work_ / "src/fetched"));
    EXPECT_FALSE(fs::exists(work_ / "src/index/trixie/InRelease.ok"));
    EXPECT_FALSE(fs::exists(work_ / "src/index/trixie/source.xz"));
    for (const char* package : {"binutils", "gcc-14", "glibc", "hurd"})
      EXPECT_FALSE(fs::exists(work_ / "src" / package)) << package;
    EXPECT_THAT(test::count_entries(work_ / "stamps"), 0u);
  }

  fs::path mirror_;
  fs::path work_;
};

TEST_F(BuildFromSource, AMirrorWithoutTheSignedIndexStopsItAtOnce) {
  const test::FileServer server(mirror_, test::FileServer::Protocol::kHttp);
  const auto r = fetch(server);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("does not serve dists/trixie/InRelease"));
  expect_nothing_fetched();
}

TEST_F(BuildFromSource, AnIndexNotSignedByDebianIsRefused) {
  if (!fs::exists(kAptBookworm)) GTEST_SKIP() << "no " << kAptBookworm << " to forge from";
  // Debian's real signature over a text that says something else.
  std::string forged = read_file(kAptBookworm);
  const auto at = forged.find("Codename: bookworm");
  ASSERT_NE(at, std::string::npos);
  forged.replace(at, 18, "Codename: trixie  ");
  fs::create_directories(mirror_ / "debian/dists/trixie");
  std::ofstream(mirror_ / "debian/dists/trixie/InRelease") << forged;
  const test::FileServer server(mirror_, test::FileServer::Protocol::kHttp);
  const auto r = fetch(server);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("dists/trixie/InRelease: not signed by Debian's archive key"));
  expect_nothing_fetched();
}

TEST_F(BuildFromSource, DebiansSignedIndexOfAnotherSuiteIsRefused) {
  if (!fs::exists(kAptBookworm)) GTEST_SKIP() << "no " << kAptBookworm << " to serve";
  fs::create_directories(mirror_ / "debian/dists/trixie");
  fs::copy_file(kAptBookworm, mirror_ / "debian/dists/trixie/InRelease");
  const test::FileServer server(mirror_, test::FileServer::Protocol::kHttp);
  const auto r = fetch(server);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("is Debian's index of bookworm, not of trixie"));
  expect_nothing_fetched();
}

// ./build in a copy of fixtures/guests, so that its .cache/hurd-mini is the test's own.
class HurdMiniDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = fresh_dir("hurd-mini-tree");
    const fs::path guests = tree_ / "fixtures/guests";
    fs::create_directories(guests);
    fs::copy_file(kScripts / "lib.sh", guests / "lib.sh");
    fs::copy(kScripts / "hurd-mini", guests / "hurd-mini",
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    out_ = tree_ / "guests/hurd-mini";
    fs::create_directories(out_);
    built_ = tree_ / ".cache/hurd-mini";
  }
  void TearDown() override { fs::remove_all(tree_); }

  ProgramResult build() const {
    return run_program({(tree_ / "fixtures/guests/hurd-mini/build").string(), out_.string()});
  }

  // A root filesystem and a MANIFEST where build-from-source leaves them.
  void place_rootfs(const std::string& manifest) const {
    fs::create_directories(built_ / "root/hurd");
    std::ofstream(built_ / "root/hurd/ext2fs.static") << "not a Hurd\n";
    ASSERT_TRUE(run_program({"tar", "-cJf", (built_ / "rootfs.tar.xz").string(), "-C",
                             (built_ / "root").string(), "."})
                    .ok());
    std::ofstream(built_ / "MANIFEST") << manifest;
  }

  fs::path tree_, out_, built_;
};

TEST_F(HurdMiniDisk, WithoutARootFilesystemTheBuildIsSkippedSayingWhyAndAnOldDiskGoes) {
  std::ofstream(out_ / "hurd-mini.qcow2") << "an old disk";
  std::ofstream(out_ / "inputs.stamp") << "old inputs";
  const auto r = build();
  EXPECT_EQ(r.exit_code, 77) << r.err;
  EXPECT_FALSE(fs::exists(out_ / "hurd-mini.qcow2"));
  EXPECT_FALSE(fs::exists(out_ / "inputs.stamp"));
  // The one line the tests that boot hurd-mini skip with.
  const auto why = test::hurd_mini_missing(out_.parent_path());
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("hurd-mini is not built here"));
  EXPECT_THAT(*why, HasSubstr("fixtures/guests/hurd-mini/build-from-source"));
  EXPECT_EQ(why->find('\n'), std::string::npos);
}

TEST_F(HurdMiniDisk, ARootFilesystemItsManifestDoesNotDescribeIsRefused) {
  place_rootfs("artifact: rootfs.tar.xz 4273344 bytes, sha256 89ed0e28\n");
  const auto r = build();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("MANIFEST does not describe"));
  EXPECT_THAT(test::count_entries(out_), 0u);
}

TEST_F(HurdMiniDisk, ARootFilesystemMadeOfOtherPackagesThanThePinsIsRefused) {
  place_rootfs("");
  const std::string artifact = "artifact: rootfs.tar.xz " +
                               std::to_string(fs::file_size(built_ / "rootfs.tar.xz")) +
                               " bytes, sha256 " + test::sha256_of(built_ / "rootfs.tar.xz");
  std::ofstream(built_ / "MANIFEST")
      << artifact << "\nsource packages (Debian):\n  hurd 1:0.9.git20250101-1 (sid)\n";
  const auto r = build();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("built from other packages than ./PACKAGES pins"));
  EXPECT_THAT(test::count_entries(out_), 0u);
}

}  // namespace
}  // namespace hurdle
