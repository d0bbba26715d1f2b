// Folder trees as tar streams: what write_tree_as_tar sends is a tar GNU tar reads (names,
// modes, symlinks, exclusions), it comes back whole through extract_tar_safely, and hostile
// archives (names outside the folder, a path through a symlink, devices, setuid bits, hard
// links) write nothing outside the folder.
#include "ssh/tree_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "core/boost_process.hpp"
#include "core/error.hpp"
#include "support/scratch_folder.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = test::scratch_folder() / ("tree-archive-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// A project-shaped tree: sources, an executable script, a private file, a symlink, nested
// folders, and what a copy should leave out (.git, build/).
fs::path project_tree(const fs::path& root) {
  const fs::path src = root / "project";
  fs::create_directories(src / "src" / "lib");
  fs::create_directories(src / ".git" / "objects");
  fs::create_directories(src / "build");
  fs::create_directories(src / "empty");
  std::ofstream(src / "README") << "a project\n";
  std::ofstream(src / "src" / "main.c") << "int main(void) { return 0; }\n";
  std::ofstream(src / "src" / "lib" / "util.c") << "/* util */\n";
  std::ofstream(src / "configure") << "#!/bin/sh\necho configured\n";
  fs::permissions(src / "configure", static_cast<fs::perms>(0755));
  std::ofstream(src / "secret.key") << "k\n";
  fs::permissions(src / "secret.key", static_cast<fs::perms>(0600));
  std::ofstream(src / ".git" / "HEAD") << "ref: refs/heads/main\n";
  std::ofstream(src / "build" / "out.o") << "object\n";
  std::ofstream(src / "src" / "main.o") << "object\n";
  fs::create_symlink("src/main.c", src / "main-link");
  test::write_random_file(src / "data.bin", 300 * 1024 + 7, 11);
  return src;
}

std::string to_archive(const fs::path& dir, const std::vector<std::string>& exclude,
                       TreeStats* stats = nullptr) {
  std::string bytes;
  const TreeStats s =
      write_tree_as_tar(dir, exclude, [&](std::string_view piece) { bytes.append(piece); });
  if (stats != nullptr) *stats = s;
  return bytes;
}

std::string gnu_tar_listing(const fs::path& archive) {
  namespace bp = boost::process::v2;
  boost::asio::io_context ctx;
  boost::asio::readable_pipe out(ctx);
  bp::process p(ctx, bp::environment::find_executable("tar"), {"-tvf", archive.string()},
                bp::process_stdio{nullptr, out, nullptr});
  std::string text;
  boost::system::error_code ec;
  boost::asio::read(out, boost::asio::dynamic_buffer(text), ec);
  EXPECT_EQ(p.wait(), 0);
  return text;
}

TEST(TreeArchive, GnuTarReadsWhatIsSentWithModesSymlinksAndExclusions) {
  const fs::path root = fresh_dir("gnu-tar");
  const fs::path src = project_tree(root);
  TreeStats stats;
  const std::string bytes = to_archive(src, {".git", "build", "*.o"}, &stats);
  std::ofstream(root / "sent.tar", std::ios::binary) << bytes;
  const std::string listing = gnu_tar_listing(root / "sent.tar");
  EXPECT_THAT(listing, HasSubstr("-rwxr-xr-x root/root        26 "));  // configure, with its x
  EXPECT_THAT(listing, HasSubstr(" configure\n"));
  EXPECT_THAT(listing, HasSubstr("-rw------- root/root"));
  EXPECT_THAT(listing, HasSubstr(" main-link -> src/main.c\n"));
  EXPECT_THAT(listing, HasSubstr(" src/lib/util.c\n"));
  EXPECT_THAT(listing, HasSubstr(" empty/\n"));
  for (const char* left_out : {".git", "build/", "out.o", "main.o"})
    EXPECT_THAT(listing, ::testing::Not(HasSubstr(left_out))) << listing;
  EXPECT_EQ(stats.files, 6u);  // README, main.c, util.c, configure, secret.key, data.bin
  EXPECT_EQ(stats.symlinks, 1u);
  EXPECT_EQ(stats.skipped, 3u);  // .git, build, src/main.o
  EXPECT_EQ(stats.bytes, 10u + 29u + 11u + 26u + 2u + 300u * 1024u + 7u);
}

TEST(TreeArchive, AnExclusionWithALeadingSlashIsTheFoldersOwnOnly) {
  const fs::path root = fresh_dir("anchored");
  fs::create_directories(root / "src" / "reports");
  fs::create_directories(root / "reports" / "run-1");
  std::ofstream(root / "src" / "reports" / "kept.txt") << "a project's own\n";
  std::ofstream(root / "reports" / "run-1" / "junit.xml") << "<testsuites/>\n";
  std::ofstream(root / "tree.tar", std::ios::binary) << to_archive(root / "src", {});
  std::ofstream(root / "anchored.tar", std::ios::binary) << to_archive(root, {"/reports", "*.tar"});
  const std::string listing = gnu_tar_listing(root / "anchored.tar");
  EXPECT_THAT(listing, HasSubstr(" src/reports/kept.txt\n"));
  EXPECT_THAT(listing, ::testing::Not(HasSubstr("junit.xml"))) << listing;
}

TEST(TreeArchive, ATreeComesBackWhole) {
  const fs::path root = fresh_dir("round-trip");
  const fs::path src = project_tree(root);
  std::ofstream(root / "tree.tar", std::ios::binary) << to_archive(src, {".git"});
  const TreeStats stats = extract_tar_safely(root / "tree.tar", root / "back");
  const fs::path back = root / "back";
  EXPECT_EQ(test::read_file(back / "src" / "main.c"), "int main(void) { return 0; }\n");
  EXPECT_EQ(test::sha256_of(back / "data.bin"), test::sha256_of(src / "data.bin"));
  EXPECT_EQ(mode_of(back / "configure"), 0755u);
  EXPECT_EQ(mode_of(back / "secret.key"), 0600u);
  EXPECT_EQ(fs::read_symlink(back / "main-link"), "src/main.c");
  EXPECT_TRUE(fs::is_directory(back / "empty"));
  EXPECT_FALSE(fs::exists(back / ".git"));
  // Times to the second (ustar's unit).
  EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(fs::last_write_time(back / "README")),
            std::chrono::floor<std::chrono::seconds>(fs::last_write_time(src / "README")));
  EXPECT_EQ(stats.files, 8u);
}

// A hostile archive, written entry by entry with libarchive (names no real tar would write).
class HostileArchive {
 public:
  explicit HostileArchive(const fs::path& file) : a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_);
    archive_write_open_filename(a_, file.c_str());
  }
  ~HostileArchive() { archive_write_free(a_); }
  HostileArchive& add(const std::string& name, mode_t type, mode_t perm,
                      const std::string& content = "", const char* link = nullptr,
                      bool hard = false) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    if (link != nullptr && hard) archive_entry_set_hardlink(e, link);
    if (link != nullptr && !hard) archive_entry_set_symlink(e, link);
    archive_write_header(a_, e);
    if (!content.empty()) archive_write_data(a_, content.data(), content.size());
    archive_entry_free(e);
    return *this;
  }
  void close() { archive_write_close(a_); }

 private:
  struct archive* a_;
};

std::string extract_error(const fs::path& archive, const fs::path& into) {
  try {
    extract_tar_safely(archive, into);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(TreeArchive, NamesOutsideTheFolderAreRefused) {
  const fs::path root = fresh_dir("outside");
  for (const std::string name : {"../escaped", "/tmp/hurdle-absolute-escape", "a/../../escaped"}) {
    const fs::path file = root / "bad.tar";
    HostileArchive(file).add(name, AE_IFREG, 0644, "x\n").close();
    EXPECT_THAT(extract_error(file, root / "into"),
                HasSubstr("the entry '" + name + "' would land outside the folder"));
  }
  EXPECT_FALSE(fs::exists(root / "escaped"));
  EXPECT_FALSE(fs::exists("/tmp/hurdle-absolute-escape"));
}

TEST(TreeArchive, NothingIsWrittenThroughASymlink) {
  const fs::path root = fresh_dir("through-link");
  fs::create_directories(root / "elsewhere");
  const fs::path file = root / "link.tar";
  HostileArchive h(file);
  h.add("link", AE_IFLNK, 0777, "", (root / "elsewhere").c_str());
  h.add("link/planted", AE_IFREG, 0644, "gotcha\n");
  h.close();
  EXPECT_THAT(extract_error(file, root / "into"),
              HasSubstr("into/link is not a folder here (a symlink or a file)"));
  EXPECT_FALSE(fs::exists(root / "elsewhere" / "planted"));
  // The link itself is made, and stays a link: it points, it is never followed.
  EXPECT_TRUE(fs::is_symlink(root / "into" / "link"));

  // A file entry over an existing symlink replaces the link; it does not write through it.
  const fs::path file2 = root / "replace.tar";
  HostileArchive h2(file2);
  h2.add("victim", AE_IFLNK, 0777, "", (root / "elsewhere" / "target").c_str());
  h2.add("victim", AE_IFREG, 0644, "replaced\n");
  h2.close();
  extract_tar_safely(file2, root / "into2");
  EXPECT_FALSE(fs::exists(root / "elsewhere" / "target"));
  EXPECT_EQ(test::read_file(root / "into2" / "victim"), "replaced\n");
  EXPECT_FALSE(fs::is_symlink(root / "into2" / "victim"));
}

TEST(TreeArchive, DevicesHardLinksAndSpecialBitsAreNotMade) {
  const fs::path root = fresh_dir("special");
  const fs::path file = root / "special.tar";
  HostileArchive h(file);
  h.add("setuid", AE_IFREG, 04755, "#!/bin/sh\n");
  h.add("sticky", AE_IFDIR, 01777);
  h.add("fifo", AE_IFIFO, 0644);
  h.add("disk", AE_IFBLK, 0666);
  h.add("hard", AE_IFREG, 0644, "", "/etc/passwd", true);
  h.close();
  const TreeStats stats = extract_tar_safely(file, root / "into");
  EXPECT_EQ(mode_of(root / "into" / "setuid"), 0755u);
  EXPECT_EQ(mode_of(root / "into" / "sticky"), 0777u);
  for (const char* name : {"fifo", "disk", "hard"})
    EXPECT_FALSE(fs::exists(fs::symlink_status(root / "into" / name))) << name;
  EXPECT_EQ(stats.skipped, 3u);
}

TEST(TreeArchive, ADamagedArchiveIsAnErrorNamingIt) {
  const fs::path root = fresh_dir("damaged");
  const fs::path src = project_tree(root);
  const std::string bytes = to_archive(src, {});
  std::ofstream(root / "cut.tar", std::ios::binary) << bytes.substr(0, bytes.size() / 2 + 100);
  EXPECT_THAT(extract_error(root / "cut.tar", root / "into"),
              HasSubstr((root / "cut.tar").string() + ": a damaged archive"));
  std::ofstream(root / "junk.tar", std::ios::binary) << std::string(3000, 'j');
  EXPECT_THAT(extract_error(root / "junk.tar", root / "into"),
              HasSubstr((root / "junk.tar").string() + ": "));
}

}  // namespace
}  // namespace hurdle
