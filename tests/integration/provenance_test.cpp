// The provenance rule, held by a test: everything third-party that hurdle ships or boots comes
// from Debian's archive by package name, checked against the signed index. So:
// - no file of the tree over 1 MB is a binary unless a MANIFEST beside it names it and names
//   only Debian packages (a root filesystem built from an upstream git tree fails here);
// - every MANIFEST (committed, or written by a guest build or build-from-source here) names only
//   Debian packages, versions and suites, with files named as Debian's pool names them;
// - the guests built here are made of .debs whose SHA-256 is the one Debian's signed index gives
//   (apt's lists, their InRelease verified again with gpgv and Debian's keyring);
// - hurd-mini's pins are Debian packages, and no guest script takes a source from a path, a git
//   tree or any URL but Debian's mirror.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/run_program.hpp"
#include "support/debian_index.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using test::read_file;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

const fs::path kAptLists = "/var/lib/apt/lists";
const std::vector<std::string> kDebGuests = {"gnumach", "linux-mini", "hurd-disk"};

// The files git tracks in the source tree.
std::vector<std::string> tracked_files() {
  const auto listed = run_program({"git", "-C", test::source_dir().string(), "ls-files", "-z"});
  if (!listed.ok()) throw std::runtime_error("git ls-files: " + listed.err);
  std::vector<std::string> files;
  std::istringstream in(listed.out);
  for (std::string f; std::getline(in, f, '\0');) files.push_back(f);
  return files;
}

// Whether a file is a binary: a NUL in its first 64 KiB, or a compressed or image format's magic.
bool is_binary(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string head(65536, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  for (const std::string& magic :
       {std::string("\xfd"
                    "7zXZ",
                    5),
        std::string("\x1f\x8b"), std::string("\x28\xb5\x2f\xfd"), std::string("BZh"),
        std::string("\x7f"
                    "ELF"),
        std::string("QFI\xfb")})
    if (head.rfind(magic, 0) == 0) return true;
  return head.find('\0') != std::string::npos;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(Provenance, NoFileOfTheTreeOverAMegabyteIsABinaryWithoutADebianManifest) {
  std::vector<std::string> found;
  for (const auto& name : tracked_files()) {
    const fs::path file = test::source_dir() / name;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec) || fs::file_size(file) <= 1000 * 1000 || !is_binary(file))
      continue;
    const fs::path manifest = file.parent_path() / "MANIFEST";
    if (!fs::exists(manifest)) {
      found.push_back(name + ": a binary with no MANIFEST beside it");
      continue;
    }
    const auto m = test::read_manifest(manifest);
    if (m.artifact.rfind(file.filename().string() + " ", 0) != 0)
      found.push_back(name + ": its MANIFEST does not name it as its artifact");
    if (m.packages.empty()) found.push_back(name + ": its MANIFEST names no Debian package");
    for (const auto& p : m.problems) found.push_back(name + ": " + p);
  }
  EXPECT_THAT(found, IsEmpty()) << joined(found);
}

TEST(Provenance, EveryManifestNamesOnlyDebianPackages) {
  std::vector<fs::path> manifests;
  for (const auto& name : tracked_files())
    if (fs::path(name).filename() == "MANIFEST") manifests.push_back(test::source_dir() / name);
  for (const auto& guest : kDebGuests) {
    const fs::path m = test::guest_dir(guest) / "MANIFEST";
    EXPECT_TRUE(fs::exists(m)) << guest << "'s build wrote no MANIFEST";
    manifests.push_back(m);
  }
  manifests.push_back(test::guest_dir("mach-probe") / "MANIFEST");
  if (const fs::path m = test::source_dir() / ".cache/hurd-mini/MANIFEST"; fs::exists(m))
    manifests.push_back(m);
  for (const auto& file : manifests) {
    const auto m = test::read_manifest(file);
    EXPECT_THAT(m.problems, IsEmpty()) << joined(m.problems);
    EXPECT_THAT(m.packages, Not(IsEmpty())) << file;
  }
}

// A MANIFEST of the kind the removed root filesystem had: one part from an upstream git tag.
TEST(Provenance, AManifestNamingAnythingButDebianPackagesIsFound) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("provenance-manifest-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "MANIFEST")
      << "target: x86_64-gnu\n"
         "source packages (Debian; SHA-256 of each file as the signed Sources index names it):\n"
         "  glibc 2.41-12+deb13u4 (trixie)\n"
         "    f24aa441021121a79266f0d75242706cab8843a47901fefe74527491807f1998  "
         "glibc_2.41.orig.tar.xz\n"
         "  hurd v0.9.git20260527: upstream git, commit d6a94f56ef (Debian's pool served none)\n"
         "    38e9dc7bb49c253cd52b62ee7e786205b1f89516672249dcd774d8b365886de8  "
         "hurd-v0.9.git20260527.tar.xz\n"
         "  mig 1.8+git20231217-11 (somewhere)\n"
         "    2cc44edd4d70f22e28f524c3ec443b502a5c064830b03fd3702b4372f34b11f8  "
         "mig_1.8+git20231217.orig.tar.xz\n";
  const auto m = test::read_manifest(dir / "MANIFEST");
  ASSERT_THAT(m.problems, SizeIs(3)) << joined(m.problems);
  EXPECT_THAT(m.problems[0], HasSubstr("MANIFEST:5: expected a Debian package"));
  // The tarball's line follows glibc's, and is no file of glibc's.
  EXPECT_THAT(m.problems[1], HasSubstr("MANIFEST:6: not a file of Debian's glibc"));
  EXPECT_THAT(m.problems[2], HasSubstr("MANIFEST:7: not a suite of Debian's archive"));
}

TEST(Provenance, HurdMinisPinsAreDebianPackages) {
  std::ifstream in(test::source_dir() / "fixtures/guests/hurd-mini/PACKAGES");
  std::set<std::string> names;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::string kind, suite, name, version, rest;
    std::istringstream(line) >> kind >> suite >> name >> version >> rest;
    SCOPED_TRACE("PACKAGES:" + std::to_string(number) + ": " + line);
    EXPECT_TRUE(kind == "source" || kind == "binary");
    EXPECT_TRUE(test::is_debian_suite(suite));
    EXPECT_TRUE(test::is_debian_package_name(name));
    EXPECT_TRUE(test::is_debian_version(version));
    EXPECT_EQ(rest, "");
    names.insert(name);
  }
  // What a Hurd needs, each from Debian: the Hurd itself among them.
  for (const char* needed : {"hurd", "glibc", "gcc-14", "binutils", "mig", "gnumach-dev"})
    EXPECT_EQ(names.count(needed), 1u) << needed;
}

// Every line of the scripts that make the guests: no git tree, no URL but Debian's mirror, no
// download but from the mirror the script checks against Debian's keyring.
TEST(Provenance, GuestScriptsTakeSourcesOnlyFromDebiansArchive) {
  const RE2 git_tree(R"(\bgit\s+(clone|archive|fetch|pull|submodule|remote|worktree)\b|--git-dir)");
  const RE2 url(R"(\b(https?|ftp|git)://([^\s"')]+))");
  const RE2 download(R"(\b(curl|wget)\s+-)");
  std::vector<std::string> found;
  for (const auto& name : tracked_files()) {
    if (name.rfind("fixtures/guests/", 0) != 0) continue;
    const std::string text = read_file(test::source_dir() / name);
    const bool shell_library = name.size() > 3 && name.compare(name.size() - 3, 3, ".sh") == 0;
    if (text.rfind("#!", 0) != 0 && !shell_library) continue;
    std::istringstream in(text);
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      const std::string where = name + ":" + std::to_string(number) + ": ";
      std::string scheme, address;
      if (RE2::PartialMatch(line, git_tree)) found.push_back(where + "a git tree: " + line);
      if (RE2::PartialMatch(line, url, &scheme, &address) &&
          address.rfind("deb.debian.org/debian", 0) != 0)
        found.push_back(where + "a URL that is not Debian's archive: " + line);
      if (RE2::PartialMatch(line, download) && line.find("$mirror/") == std::string::npos &&
          line.find("$pool_mirror/") == std::string::npos &&
          line.rfind('#', line.find_first_not_of(' ')) == std::string::npos)
        found.push_back(where + "a download from somewhere but the checked mirror: " + line);
    }
  }
  EXPECT_THAT(found, IsEmpty()) << joined(found);
}

const fs::path kBuildFromSource =
    test::source_dir() / "fixtures/guests/hurd-mini/build-from-source";

TEST(Provenance, BuildFromSourceTakesNoTreeOrTarballFromElsewhere) {
  // Its options, as its help lists them: where to build, fetch only; nothing that names a source.
  const auto help = run_program({kBuildFromSource.string(), "--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  std::set<std::string> options;
  std::istringstream in(help.out);
  for (std::string line; std::getline(in, line);) {
    std::string option;
    if (RE2::PartialMatch(line, R"(^\s+(--[a-z-]+))", &option)) options.insert(option);
  }
  EXPECT_EQ(options, (std::set<std::string>{"--fetch-only", "--work"}));
  // An option that would feed it a tree from elsewhere (as one once fed it an upstream git
  // repository) is refused before anything is made. (A mirror
  // nobody serves: a script that took the option would fail at once, not fetch for minutes.)
  const fs::path work =
      fs::path(::testing::TempDir()) / ("provenance-source-tree-" + std::to_string(::getpid()));
  fs::remove_all(work);
  ::setenv("HURDLE_DEBIAN_MIRROR", "http://127.0.0.1:9/debian", 1);
  const auto refused = run_program(
      {kBuildFromSource.string(), "--work", work.string(), "--source-tree", "/tmp/hurd"});
  ::unsetenv("HURDLE_DEBIAN_MIRROR");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("unknown option --source-tree"));
  EXPECT_FALSE(fs::exists(work));
}

std::map<std::string, test::SignedIndex> apt_indexes() {
  if (!fs::exists(kAptLists)) return {};
  return test::apt_binary_indexes(kAptLists);
}

TEST(Provenance, TheGuestsAreMadeOfDebsWhoseChecksumsDebiansSignedIndexGives) {
  const auto indexes = apt_indexes();
  ASSERT_FALSE(indexes.empty()) << "apt keeps no signed index in " << kAptLists
                                << ": the guests were built with apt-get download";
  for (const auto& guest : kDebGuests) {
    const auto m = test::read_manifest(test::guest_dir(guest) / "MANIFEST");
    EXPECT_THAT(m.packages, Not(IsEmpty())) << guest;
    const auto wrong = test::mismatches(m, indexes);
    EXPECT_THAT(wrong, IsEmpty()) << guest << ":\n" << joined(wrong);
  }
}

TEST(Provenance, AChecksumOrAVersionTheSignedIndexDoesNotGiveIsFound) {
  const auto indexes = apt_indexes();
  ASSERT_FALSE(indexes.empty());
  auto m = test::read_manifest(test::guest_dir("linux-mini") / "MANIFEST");
  ASSERT_GE(m.packages.size(), 2u);
  auto& changed = m.packages[0].files.begin()->second;
  changed[0] = changed[0] == '0' ? '1' : '0';
  m.packages[1].version += "+rebuilt";
  const auto wrong = test::mismatches(m, indexes);
  ASSERT_THAT(wrong, SizeIs(2)) << joined(wrong);
  EXPECT_THAT(wrong[0], HasSubstr(m.packages[0].name + " "));
  EXPECT_THAT(wrong[0], HasSubstr("the signed index gives"));
  EXPECT_THAT(wrong[1], HasSubstr(m.packages[1].name + " "));
  EXPECT_THAT(wrong[1], HasSubstr("does not list it"));
}

// Where build-from-source made hurd-mini here: its MANIFEST against the signed indexes it
// fetched and kept (.cache/hurd-mini/src/index/SUITE), checked again from their signatures.
TEST(Provenance, TheLocalHurdMiniIsMadeOfWhatDebiansSignedIndexGives) {
  const fs::path built = test::source_dir() / ".cache/hurd-mini";
  if (!fs::exists(built / "MANIFEST"))
    GTEST_SKIP() << "no " << (built / "MANIFEST").string()
                 << ": fixtures/guests/hurd-mini/build-from-source makes it where Debian's "
                    "archive serves the hurd and glibc sources";
  const auto m = test::read_manifest(built / "MANIFEST");
  ASSERT_THAT(m.problems, IsEmpty()) << joined(m.problems);
  std::map<std::string, test::SignedIndex> sources, binaries;
  for (const auto& p : m.packages) {
    const fs::path dir = built / "src/index" / p.suite;
    auto& indexes = p.kind == "source" ? sources : binaries;
    if (indexes.count(p.suite) == 0)
      indexes.emplace(p.suite,
                      test::SignedIndex(dir / "InRelease.ok",
                                        p.kind == "source" ? "main/source/Sources.xz"
                                                           : "main/binary-amd64/Packages.xz",
                                        dir / (p.kind + ".xz")));
  }
  test::Manifest source_part = m, binary_part = m;
  std::erase_if(source_part.packages, [](const auto& p) { return p.kind != "source"; });
  std::erase_if(binary_part.packages, [](const auto& p) { return p.kind != "binary"; });
  EXPECT_THAT(test::mismatches(source_part, sources), IsEmpty());
  EXPECT_THAT(test::mismatches(binary_part, binaries), IsEmpty());
}

// mach-probe takes its kernel, headers and MIG from a suite apt on this host may not know
// (trixie): its MANIFEST against the signed index its build fetched and kept beside it
// (OUTDIR/index/SUITE), checked again from the signature.
TEST(Provenance, TheMachProbeIsMadeOfWhatDebiansSignedIndexGives) {
  const fs::path built = test::guest_dir("mach-probe");
  const auto m = test::read_manifest(built / "MANIFEST");
  ASSERT_THAT(m.problems, IsEmpty()) << joined(m.problems);
  std::set<std::string> names;
  std::map<std::string, test::SignedIndex> indexes;
  for (const auto& p : m.packages) {
    names.insert(p.name);
    EXPECT_EQ(p.kind, "binary") << p.name;
    if (indexes.count(p.suite) == 0)
      indexes.emplace(p.suite, test::SignedIndex(built / "index" / p.suite / "InRelease.ok",
                                                 "main/binary-amd64/Packages.xz",
                                                 built / "index" / p.suite / "binary.xz"));
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"gnumach-image-1.8-amd64-up", "gnumach-dev", "mig-x86-64-gnu"}));
  EXPECT_THAT(test::mismatches(m, indexes), IsEmpty());
  // No binary of the probe is in the tree: only its sources.
  for (const auto& name : tracked_files()) {
    if (name.rfind("fixtures/guests/mach-probe/", 0) == 0) {
      EXPECT_FALSE(is_binary(test::source_dir() / name)) << name;
    }
  }
}

}  // namespace
}  // namespace hurdle
