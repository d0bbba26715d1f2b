// The root filesystem of the hurd-mini guest, where fixtures/guests/hurd-mini/build-from-source
// made it from Debian's archive (.cache/hurd-mini in the work tree, git-ignored; skipped
// elsewhere): its MANIFEST describes it (size, sha256, file count, every package it was made
// from) and it holds what the disk build and the tests need.
#include <archive.h>
#include <archive_entry.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "support/paths.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kBuilt = test::source_dir() / ".cache/hurd-mini";

// Why a test is skipped where build-from-source has not made the root filesystem here.
const std::string kNotBuilt = "no " + (kBuilt / "rootfs.tar.xz").string() +
                              ": fixtures/guests/hurd-mini/build-from-source makes it where "
                              "Debian's archive serves the hurd and glibc sources";

// Each entry of a .tar.xz: its path without "./", with a trailing '/' for a folder and
// " -> TARGET" for a symlink.
std::set<std::string> entries_of(const fs::path& tarball) {
  archive* a = archive_read_new();
  archive_read_support_filter_xz(a);
  archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, tarball.c_str(), 1 << 16) != ARCHIVE_OK) {
    const std::string why = archive_error_string(a);
    archive_read_free(a);
    throw std::runtime_error(tarball.string() + ": " + why);
  }
  std::set<std::string> names;
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(e);
    if (name.rfind("./", 0) == 0) name.erase(0, 2);
    if (name.empty() || name == ".") continue;
    if (archive_entry_filetype(e) == AE_IFDIR && name.back() != '/') name += '/';
    if (archive_entry_filetype(e) == AE_IFLNK)
      name += std::string(" -> ") + archive_entry_symlink(e);
    names.insert(name);
  }
  archive_read_free(a);
  return names;
}

std::string manifest_value(const std::string& manifest, const std::string& key) {
  const auto at = manifest.find("\n" + key + ": ");
  if (at == std::string::npos) return "";
  const auto start = at + key.size() + 3;
  return manifest.substr(start, manifest.find('\n', start) - start);
}

TEST(HurdMiniRootfs, TheManifestDescribesTheArtifact) {
  if (!fs::exists(kBuilt / "rootfs.tar.xz")) GTEST_SKIP() << kNotBuilt;
  const fs::path tarball = kBuilt / "rootfs.tar.xz";
  const std::string manifest = test::read_file(kBuilt / "MANIFEST");
  EXPECT_EQ(manifest_value(manifest, "target"), "x86_64-gnu");
  EXPECT_EQ(manifest_value(manifest, "artifact"), "rootfs.tar.xz " +
                                                      std::to_string(fs::file_size(tarball)) +
                                                      " bytes, sha256 " + test::sha256_of(tarball));
  EXPECT_LE(fs::file_size(tarball), 25u * 1000 * 1000);
  const auto names = entries_of(tarball);
  const auto files = std::count_if(names.begin(), names.end(),
                                   [](const std::string& n) { return n.back() != '/'; });
  EXPECT_EQ(manifest_value(manifest, "files"), std::to_string(files));
  // Every source package is named with its version and the checksums of its files.
  for (const char* package : {"binutils", "gcc-14", "glibc", "mig", "hurd", "dash", "coreutils",
                              "sed", "grep", "gnumach-image-1.8-amd64-up"})
    EXPECT_THAT(manifest, HasSubstr(std::string("\n  ") + package + " ")) << package;
}

TEST(HurdMiniRootfs, HoldsWhatTheDiskBuildAndTheTestsUse) {
  if (!fs::exists(kBuilt / "rootfs.tar.xz")) GTEST_SKIP() << kNotBuilt;
  const auto names = entries_of(kBuilt / "rootfs.tar.xz");
  for (const char* path :
       {"hurd/ext2fs.static", "hurd/exec", "hurd/startup", "hurd/proc", "hurd/auth", "hurd/term",
        "hurd/null", "hurd/pflocal", "hurd/magic", "hurd/hello", "bin/settrans", "bin/showtrans",
        "bin/fsysopts", "bin/ps", "bin/uname", "bin/cat", "bin/grep", "bin/sed"})
    EXPECT_EQ(names.count(path), 1u) << path;
  EXPECT_TRUE(std::any_of(names.begin(), names.end(), [](const std::string& n) {
    return n.rfind("boot/gnumach-", 0) == 0 && n.size() > 3 && n.substr(n.size() - 3) == ".gz";
  }));
  EXPECT_TRUE(std::any_of(names.begin(), names.end(), [](const std::string& n) {
    return n.rfind("lib/ld-x86-64.so.1", 0) == 0;
  }));
}

}  // namespace
}  // namespace hurdle
