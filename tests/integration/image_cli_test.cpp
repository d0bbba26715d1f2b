// `hurdle image` as a user runs it: progress lines in a log and silence with --quiet, the
// prepared path on stdout for scripts, exit statuses that tell bad input from a failed
// download, pinning through HTTPS, and two fetches at once ending with one cached copy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <future>

#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "support/file_server.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_image_lock.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using test::FileServer;
using test::kAmd64Disk;
using ::testing::HasSubstr;
using ::testing::Not;

class ImageCli : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(served());
    for (const auto& f : {kAmd64Disk, std::string("SHA512SUMS")})
      fs::copy_file(test::hurd_disk_dir() / f, served() / f);
  }
  [[nodiscard]] fs::path served() const { return dir_ / "served"; }
  [[nodiscard]] fs::path lock() const { return dir_ / "lock.yaml"; }

  // `hurdle image --lock LOCK --cache-dir CACHE ARGS...`
  ProgramResult hurdle(std::vector<std::string> args) {
    std::vector<std::string> argv = {
        test::hurdle_program().string(), "image", "--lock", lock().string(), "--cache-dir",
        (dir_ / "cache").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
  }
  [[nodiscard]] std::size_t count(const std::string& folder) const {
    return test::count_entries(dir_ / "cache/images" / folder);
  }

  PrivateFolder dir_{"image-cli"};
};

TEST_F(ImageCli, FetchPrintsThePathAndProgressLinesOrNothingWhenQuiet) {
  FileServer server(served(), FileServer::Protocol::kHttp);
  test::write_test_lock(lock(), {test::amd64_disk("hurd-test", server.url(kAmd64Disk))});

  const auto missing = hurdle({"path", "hurd-test"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err,
              HasSubstr("hurd-test is not in the cache: run `hurdle image fetch hurd-test`"));

  const auto fetched = hurdle({"fetch", "hurd-test"});
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  const std::string path = fetched.out.substr(0, fetched.out.find('\n'));
  EXPECT_TRUE(fs::exists(path)) << fetched.out;
  // Not a terminal: plain lines, never a carriage return.
  EXPECT_THAT(fetched.err, HasSubstr("hurdle: downloading " + kAmd64Disk + ": "));
  EXPECT_THAT(fetched.err, HasSubstr("hurdle: verified " + kAmd64Disk));
  EXPECT_THAT(fetched.err, HasSubstr("hurdle: prepared partition 1 (type 0x83, 768 MiB"));
  EXPECT_THAT(fetched.err, HasSubstr("hurdle: converted to qcow2"));
  EXPECT_EQ(fetched.err.find('\r'), std::string::npos);

  const auto again = hurdle({"fetch", "hurd-test", "--quiet"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, path + "\n");
  EXPECT_EQ(again.err, "");
  EXPECT_EQ(hurdle({"path", "hurd-test"}).out, path + "\n");

  const auto list = hurdle({"list"});
  EXPECT_THAT(list.out, HasSubstr("hurd-test"));
  EXPECT_THAT(list.out, HasSubstr(test::fixture_digest(kAmd64Disk).substr(0, 23) + "..."));
  EXPECT_THAT(list.out, HasSubstr("prepared"));
  EXPECT_THAT(list.out, HasSubstr(path));

  const auto verified = hurdle({"verify", "hurd-test"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_THAT(verified.out, HasSubstr(path + ": ok"));
}

TEST_F(ImageCli, OnATerminalProgressIsABarRedrawnInPlace) {
  // script(1) (util-linux, Essential in Debian) runs the program on a real pseudo-terminal.
  FileServer server(served(), FileServer::Protocol::kHttp);
  server.set_pace(std::chrono::milliseconds(60));  // long enough for the bar to be redrawn
  test::write_test_lock(lock(), {test::amd64_disk("hurd-test", server.url(kAmd64Disk))});
  const std::string command = test::hurdle_program().string() + " image --lock " + lock().string() +
                              " --cache-dir " + (dir_ / "cache").string() + " fetch hurd-test";
  const auto tty = run_program({"script", "-qec", command, "/dev/null"});
  ASSERT_EQ(tty.exit_code, 0) << tty.out;
  EXPECT_THAT(tty.out, HasSubstr("\rhurdle: downloading " + kAmd64Disk + " [#"));
  EXPECT_THAT(tty.out, HasSubstr("\x1b[K"));
  EXPECT_THAT(tty.out, HasSubstr("/s, 0:0"));  // a rate and the time left
}

TEST_F(ImageCli, ExitStatusesTellBadInputFromAFailedDownload) {
  test::TestImage unpinned = test::amd64_disk("unpinned", "https://127.0.0.1:9/" + kAmd64Disk);
  unpinned.digest.reset();
  test::write_test_lock(
      lock(), {test::amd64_disk("offline", "http://127.0.0.1:9/" + kAmd64Disk), unpinned});
  const auto unknown = hurdle({"fetch", "debian-hurd"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err,
              HasSubstr("no image named 'debian-hurd' in the lock; it has: offline, unpinned"));
  // Refused as bad input with --require-pinned; else its checksum list is asked, and a server
  // that does not answer is a failed download.
  const auto refused = hurdle({"fetch", "unpinned", "--retries", "1", "--require-pinned"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("unpinned has no digest in the lock"));
  const auto unanswered = hurdle({"fetch", "unpinned", "--retries", "1"});
  EXPECT_EQ(unanswered.exit_code, 3);
  EXPECT_THAT(unanswered.err, HasSubstr("https://127.0.0.1:9/SHA512SUMS failed"));
  const auto offline = hurdle({"fetch", "offline", "--retries", "1"});
  EXPECT_EQ(offline.exit_code, 3);
  EXPECT_THAT(offline.err, HasSubstr("hurdle image import offline FILE"));
  const auto bad_lock = run_program(
      {test::hurdle_program().string(), "image", "--lock", (dir_ / "none.yaml").string(), "list"});
  EXPECT_EQ(bad_lock.exit_code, 2);
  EXPECT_THAT(bad_lock.err, HasSubstr("none.yaml: cannot read the file"));
}

TEST_F(ImageCli, PinWritesThePublishedDigestIntoTheLock) {
  FileServer server(served(), FileServer::Protocol::kHttps);
  test::TestImage unpinned = test::amd64_disk("hurd-test", server.url(kAmd64Disk));
  unpinned.digest.reset();
  test::write_test_lock(lock(), {unpinned});
  const auto pinned = hurdle({"pin", "hurd-test", "--ca-file", server.ca_file().string()});
  ASSERT_EQ(pinned.exit_code, 0) << pinned.err;
  EXPECT_EQ(pinned.out, "pinned hurd-test in " + lock().string() + ": " +
                            test::fixture_digest(kAmd64Disk) + "\n");
  const std::string text = test::read_file(lock());
  EXPECT_THAT(text, HasSubstr("# written by a test\n"));
  EXPECT_THAT(text, HasSubstr("    digest: " + test::fixture_digest(kAmd64Disk) + "\n"));
  const auto fetched =
      hurdle({"fetch", "hurd-test", "--quiet", "--ca-file", server.ca_file().string()});
  EXPECT_EQ(fetched.exit_code, 0) << fetched.err;
}

// Pinning an entry this machine used on first use: the digest the server publishes now must be
// the one that use took; a file changed under the same name is not pinned.
TEST_F(ImageCli, PinRefusesADigestOtherThanTheFirstUsesOne) {
  FileServer server(served(), FileServer::Protocol::kHttps);
  test::TestImage unpinned = test::amd64_disk("hurd-test", server.url(kAmd64Disk));
  unpinned.digest.reset();
  test::write_test_lock(lock(), {unpinned});
  const std::string ca = server.ca_file().string();
  ASSERT_EQ(hurdle({"fetch", "hurd-test", "--quiet", "--ca-file", ca}).exit_code, 0);
  const std::string before = test::read_file(lock());

  std::ofstream(served() / "SHA512SUMS", std::ios::trunc)
      << std::string(128, 'c') << "  " << kAmd64Disk << "\n";
  const auto refused = hurdle({"pin", "hurd-test", "--ca-file", ca});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("the server now publishes sha512:" + std::string(128, 'c')));
  EXPECT_THAT(refused.err, HasSubstr("took " + test::fixture_digest(kAmd64Disk)));
  EXPECT_THAT(refused.err, HasSubstr("Nothing was written"));
  EXPECT_EQ(test::read_file(lock()), before);

  // The list as it was on first use: pinned.
  fs::copy_file(test::hurd_disk_dir() / "SHA512SUMS", served() / "SHA512SUMS",
                fs::copy_options::overwrite_existing);
  const auto pinned = hurdle({"pin", "hurd-test", "--ca-file", ca});
  EXPECT_EQ(pinned.exit_code, 0) << pinned.err;
  EXPECT_THAT(test::read_file(lock()),
              HasSubstr("    digest: " + test::fixture_digest(kAmd64Disk) + "\n"));
}

TEST_F(ImageCli, TwoFetchesAtOnceDownloadOnceAndShareOneCachedCopy) {
  FileServer server(served(), FileServer::Protocol::kHttp);
  server.set_pace(std::chrono::milliseconds(150));  // ~1 s per download: the two overlap
  test::write_test_lock(lock(), {test::amd64_disk("hurd-test", server.url(kAmd64Disk))});
  auto first = std::async(std::launch::async, [&] { return hurdle({"fetch", "hurd-test"}); });
  auto second = std::async(std::launch::async, [&] { return hurdle({"fetch", "hurd-test"}); });
  const ProgramResult a = first.get();
  const ProgramResult b = second.get();
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_THAT(a.err + b.err, HasSubstr("waiting for another hurdle that is preparing hurd-test"));
  EXPECT_EQ(server.served(kAmd64Disk).requests, 1);
  EXPECT_EQ(count("artifacts"), 1u);
  EXPECT_EQ(count("prepared"), 1u);
  EXPECT_EQ(count("work"), 0u);
}

TEST_F(ImageCli, ValidateAndRunCheckTheImageAsTheRunWouldMeetIt) {
  const auto suite = [&](const std::string& name, const std::string& image_line) {
    const fs::path file = dir_ / (name + ".yaml");
    std::ofstream(file) << "suite: " << name << "\nmachine: hurd-amd64\n"
                        << image_line
                        << "scenarios:\n  - name: one\n    steps:\n      - ssh.run: uname -s\n";
    return file.string();
  };
  const auto hurdle_cmd = [&](std::vector<std::string> args) {
    args.insert(args.begin(), test::hurdle_program().string());
    return run_program(args);
  };
  const std::string shipped_lock = (test::source_dir() / "fixtures/images.lock.yaml").string();
  ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
  // The shipped profile's image (Debian 13.0) is not pinned: used on first use by default
  // (validate fetches nothing), refused with --require-pinned, with the way out.
  const auto unpinned = hurdle_cmd(
      {"validate", suite("unpinned", ""), "--image-lock", shipped_lock, "--require-pinned"});
  EXPECT_EQ(unpinned.exit_code, 2);
  EXPECT_THAT(unpinned.err, HasSubstr("debian-hurd-amd64 has no digest in the lock: pin it with "
                                      "`hurdle image pin debian-hurd-amd64`"));
  EXPECT_EQ(hurdle_cmd({"validate", suite("allowed", ""), "--image-lock", shipped_lock}).exit_code,
            0);
  // The older flag is still taken, meaning the default.
  EXPECT_EQ(hurdle_cmd({"validate", suite("allowed", ""), "--image-lock", shipped_lock,
                        "--allow-unpinned"})
                .exit_code,
            0);
  // A suite may choose the pinned entry instead.
  const auto pinned =
      hurdle_cmd({"validate", suite("pinned", "image: debian-hurd-amd64-20260314\n"),
                  "--image-lock", shipped_lock});
  EXPECT_EQ(pinned.exit_code, 0) << pinned.err;
  const auto unknown = hurdle_cmd(
      {"validate", suite("unknown", "image: debian-hurd-sid\n"), "--image-lock", shipped_lock});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("no image named 'debian-hurd-sid' in " + shipped_lock));
  EXPECT_EQ(hurdle_cmd({"validate", suite("bad-name", "image: '../x'\n")}).exit_code, 2);
  // `hurdle run --require-pinned` refuses before anything starts, with the same words.
  const auto run = hurdle_cmd({"run", suite("unpinned", ""), "--image-lock", shipped_lock,
                               "--require-pinned", "--report-dir", (dir_ / "reports").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("debian-hurd-amd64 has no digest in the lock"));
  EXPECT_FALSE(fs::exists(dir_ / "reports"));
}

}  // namespace
}  // namespace hurdle
