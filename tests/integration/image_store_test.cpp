// The image store against the Hurd-shaped test disks (fixtures/guests/hurd-disk), served over
// real HTTP and HTTPS on 127.0.0.1: fetch, verify, unpack keeping holes, prepare, convert,
// cache; and everything that must not pass: a corrupted download, an unpinned entry, a wrong
// import, a recipe that does not fit. No QEMU is started here (hurd_image_boot_test boots).
#include "image/image_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "disk/sparse_file.hpp"
#include "image/disk_unpacker.hpp"
#include "image/lock_pin.hpp"
#include "machine/image_resolver.hpp"
#include "ssh/owned_key.hpp"
#include "support/file_server.hpp"
#include "support/test_files.hpp"
#include "support/test_image_lock.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using test::FileServer;
using test::kAmd64Disk;
using test::kI386Disk;
using ::testing::HasSubstr;
using ::testing::Not;

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(served());
    for (const auto& f :
         {kAmd64Disk, kI386Disk, std::string("SHA512SUMS"), std::string("SHA256SUMS")})
      fs::copy_file(test::hurd_disk_dir() / f, served() / f);
  }

  [[nodiscard]] fs::path served() const { return dir_ / "served"; }
  [[nodiscard]] fs::path cache() const { return dir_ / "cache"; }
  [[nodiscard]] fs::path images() const { return cache() / "images"; }
  [[nodiscard]] fs::path lock_file() const { return dir_ / "images.lock.yaml"; }

  ImageSettings settings() {
    ImageSettings s;
    s.cache_dir = cache();
    s.download.attempts = 3;
    s.download.first_pause = std::chrono::milliseconds(50);
    s.log = {&log_, ProgressStyle::kLines, "hurdle: "};
    return s;
  }
  ImageStore store(const std::vector<test::TestImage>& entries, ImageSettings s) {
    test::write_test_lock(lock_file(), entries);
    return open_image_store(lock_file(), s);
  }
  ImageStore store(const std::vector<test::TestImage>& entries) {
    return store(entries, settings());
  }

  // How many entries a cache folder has (artifacts/, prepared/, downloads/...).
  [[nodiscard]] std::size_t count(const std::string& folder) const {
    return test::count_entries(images() / folder);
  }

  // The prepared qcow2 as raw, and a file of its root filesystem read with debugfs.
  std::string file_in(const fs::path& qcow2, const std::string& path,
                      std::uint64_t offset = 1 << 20) {
    const fs::path raw = dir_ / "check.raw";
    fs::remove(raw);
    const auto c = run_program(
        {"qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2.string(), raw.string()});
    EXPECT_TRUE(c.ok()) << c.err;
    const std::string device = raw.string() + "?offset=" + std::to_string(offset);
    fsck_exit_ = run_program({"e2fsck", "-fn", device}).exit_code;
    return run_program({"debugfs", "-R", "cat " + path, device}).out;
  }

  PrivateFolder dir_{"image-store"};
  std::ostringstream log_;
  int fsck_exit_ = -1;
};

TEST_F(ImageStoreTest, FetchVerifiesUnpacksKeepingHolesPreparesConvertsAndCaches) {
  FileServer server(served(), FileServer::Protocol::kHttp);
  ImageStore s = store({test::amd64_disk("hurd-test", server.url(kAmd64Disk))});
  const PreparedImage image = s.fetch("hurd-test");

  // The download is kept as published, read-only, with a manifest.
  const auto artifact = s.cached_artifact(s.lock().find("hurd-test"));
  ASSERT_TRUE(artifact.has_value());
  EXPECT_EQ("sha512:" + file_digest(artifact->file, DigestAlgorithm::kSha512).hex,
            test::fixture_digest(kAmd64Disk));
  struct stat st {};
  ASSERT_EQ(::stat(artifact->file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
  EXPECT_EQ(artifact->manifest["url"], server.url(kAmd64Disk));
  EXPECT_EQ(artifact->manifest["source"], "download");

  // The prepared disk: read-only, its sha256 as recorded, the recipe's work in its root.
  ASSERT_EQ(::stat(image.disk.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
  EXPECT_EQ(file_digest(image.disk, DigestAlgorithm::kSha256), image.disk_sha256);
  EXPECT_TRUE(image.pinned);
  const std::string cfg = file_in(image.disk, "/boot/grub/grub.cfg");
  EXPECT_THAT(
      cfg, HasSubstr("multiboot\t/boot/gnumach-1.8-486.gz root=part:1:device:wd0 console=com0\n"));
  EXPECT_THAT(cfg, HasSubstr("terminal_output serial console\n"));
  EXPECT_EQ(fsck_exit_, 0) << "the prepared filesystem is not clean";
  EXPECT_EQ(file_in(image.disk, "/root/.ssh/authorized_keys"),
            hurdle_owned_key(cache()).public_line + "\n");

  // The manifest says what each step did: a 1 GiB disk of which little is data.
  std::ifstream in(image.manifest);
  const auto m = nlohmann::json::parse(in);
  EXPECT_EQ(m["preparation"]["raw"]["bytes"], 1ull << 30);
  EXPECT_LT(m["preparation"]["raw"]["data_bytes"].get<std::uint64_t>(), 8ull << 20);
  EXPECT_EQ(m["preparation"]["partition"]["number"], 1);
  EXPECT_EQ(m["preparation"]["filesystem"]["creator_os"], "Hurd");
  EXPECT_EQ(m["preparation"]["fsck"], "clean");
  EXPECT_EQ(m["artifact"]["digest"], test::fixture_digest(kAmd64Disk));
  EXPECT_THAT(log_.str(), HasSubstr("hurdle: verified " + kAmd64Disk + " from " +
                                    server.url(kAmd64Disk) + ": sha512 "));
  EXPECT_THAT(log_.str(), HasSubstr("1.00 GiB disk,"));

  // Fetched once: the second fetch asks the server nothing.
  const auto requests = server.served(kAmd64Disk).requests;
  EXPECT_EQ(requests, 1);
  EXPECT_EQ(s.fetch("hurd-test").disk, image.disk);
  EXPECT_EQ(server.served(kAmd64Disk).requests, requests);
  EXPECT_EQ(count("work"), 0u);
  EXPECT_EQ(count("downloads"), 0u);
}

TEST_F(ImageStoreTest, TheUnpackedDiskKeepsItsHolesAsDuAndLsSeeThem) {
  const fs::path disk = dir_ / "unpacked.img";
  const UnpackResult r = unpack_disk_image(served() / kAmd64Disk, ArchiveType::kTarXz,
                                           "hurd-shaped-amd64-20261125.img", disk);
  // ls -l: the apparent size; du: the blocks it takes.
  const auto ls = run_program({"ls", "-l", disk.string()});
  const auto du = run_program({"du", "--block-size=1", disk.string()});
  ASSERT_TRUE(ls.ok() && du.ok());
  std::istringstream ls_fields(ls.out);
  std::string perms, links, owner, group;
  std::uint64_t apparent = 0, used = 0;
  ls_fields >> perms >> links >> owner >> group >> apparent;
  std::istringstream(du.out) >> used;
  EXPECT_EQ(apparent, 1ull << 30);
  EXPECT_EQ(r.size, apparent);
  EXPECT_LT(used, 8ull << 20) << "1 GiB apparent, " << used << " bytes used: the holes were filled";
  RecordProperty("apparent_bytes", std::to_string(apparent));
  RecordProperty("used_bytes", std::to_string(used));
}

TEST_F(ImageStoreTest, ACorruptedDownloadIsRefusedAndNothingIsCached) {
  // The server's copy differs from what the lock pins by one byte in its middle.
  const fs::path file = served() / kAmd64Disk;
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
  f.put('\x42');
  f.close();
  FileServer server(served(), FileServer::Protocol::kHttp);
  ImageStore s = store({test::amd64_disk("hurd-test", server.url(kAmd64Disk))});
  const std::string corrupt = "sha512:" + file_digest(file, DigestAlgorithm::kSha512).hex;
  try {
    (void)s.fetch("hurd-test");
    FAIL() << "a corrupted download was accepted";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("is not the file the lock pins"));
    EXPECT_THAT(e.what(), HasSubstr("expected " + test::fixture_digest(kAmd64Disk)));
    EXPECT_THAT(e.what(), HasSubstr("got " + corrupt));
    EXPECT_THAT(e.what(), HasSubstr("nothing was cached"));
  }
  EXPECT_EQ(count("artifacts"), 0u);
  EXPECT_EQ(count("prepared"), 0u);
  EXPECT_EQ(count("downloads"), 0u) << "the bad download was kept and would be resumed";
}

TEST_F(ImageStoreTest, AnInterruptedDownloadResumesInTheSameRunAndInTheNext) {
  FileServer server(served(), FileServer::Protocol::kHttp);
  const std::uint64_t size = fs::file_size(served() / kAmd64Disk);
  // Within one fetch: the connection drops halfway, the retry asks for the rest.
  server.drop_after(kAmd64Disk, size / 2);
  ImageStore s = store({test::amd64_disk("hurd-test", server.url(kAmd64Disk))});
  (void)s.fetch("hurd-test");
  auto sent = server.served(kAmd64Disk);
  EXPECT_EQ(sent.requests, 2);
  EXPECT_EQ(sent.range_requests, 1);
  EXPECT_EQ(sent.body_bytes, size) << "more than the file was sent: it was not resumed";
  EXPECT_THAT(log_.str(), HasSubstr("continuing " + server.url(kAmd64Disk) + " from byte " +
                                    std::to_string(size / 2)));

  // Across runs: a fetch that gives up keeps what it has; the next one continues from it.
  FileServer second(served(), FileServer::Protocol::kHttp);
  second.drop_after(kAmd64Disk, size / 3);
  ImageSettings once = settings();
  once.download.attempts = 1;
  ImageStore first_run = store({test::amd64_disk("hurd-other", second.url(kAmd64Disk))}, once);
  // Another entry name, same file: remove the cached copy so it must be downloaded again.
  (void)s.gc(/*all=*/true);
  try {
    (void)first_run.fetch("hurd-other");
    FAIL() << "the cut download passed";
  } catch (const DownloadError& e) {
    EXPECT_THAT(e.what(), HasSubstr("downloaded so far are kept"));
  }
  EXPECT_EQ(count("downloads"), 1u);
  ImageStore next_run = store({test::amd64_disk("hurd-other", second.url(kAmd64Disk))});
  (void)next_run.fetch("hurd-other");
  sent = second.served(kAmd64Disk);
  EXPECT_EQ(sent.requests, 2);
  EXPECT_EQ(sent.range_requests, 1);
  EXPECT_EQ(sent.body_bytes, size);
}

TEST_F(ImageStoreTest, AnUnpinnedEntryIsCheckedOnFirstUseAndHeldToItAfter) {
  FileServer server(served(), FileServer::Protocol::kHttps);
  test::TestImage unpinned = test::amd64_disk("hurd-test", server.url(kAmd64Disk));
  unpinned.digest.reset();
  ImageSettings trusted = settings();
  trusted.download.ca_file = server.ca_file();

  // --require-pinned refuses it, naming the published digest and the way out.
  ImageSettings strict = trusted;
  strict.require_pinned = true;
  try {
    (void)store({unpinned}, strict).fetch("hurd-test");
    FAIL() << "an unpinned entry was used";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("hurd-test has no digest in the lock"));
    EXPECT_THAT(e.what(),
                HasSubstr("the published checksum is " + test::fixture_digest(kAmd64Disk)));
    EXPECT_THAT(e.what(), HasSubstr("hurdle image pin hurd-test"));
  }
  EXPECT_EQ(server.served(kAmd64Disk).requests, 0);

  // TLS is verified: without trusting the test's certificate, the checksum list is not read.
  try {
    (void)store({unpinned}).fetch("hurd-test");
    FAIL() << "an untrusted certificate was accepted";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("certificate"));
  }
  EXPECT_EQ(server.served(kAmd64Disk).requests, 0);

  // First use: the digest SHA512SUMS gives is used, checked, recorded, and said plainly.
  const int lists = server.served("SHA512SUMS").requests + 1;  // the refusal above read it too
  const PreparedImage image = store({unpinned}, trusted).fetch("hurd-test");
  EXPECT_FALSE(image.pinned);
  EXPECT_EQ(image.artifact.str(), test::fixture_digest(kAmd64Disk));
  EXPECT_EQ(image.checksum_list, server.url("SHA512SUMS"));
  EXPECT_FALSE(image.first_used.empty());
  EXPECT_THAT(unpinned_notice(image), HasSubstr("verified against the server's checksum list " +
                                                server.url("SHA512SUMS") + " on first use"));
  EXPECT_THAT(unpinned_notice(image), HasSubstr("not against a digest pinned in the repository"));
  EXPECT_THAT(log_.str(), HasSubstr("hurdle image pin hurd-test"));
  EXPECT_EQ(count("first-use"), 1u);
  EXPECT_EQ(server.served("SHA512SUMS").requests, lists);

  // A later use is held to the record: the list is not asked again, nothing is downloaded.
  const PreparedImage again = store({unpinned}, trusted).fetch("hurd-test");
  EXPECT_EQ(again.disk, image.disk);
  EXPECT_EQ(again.checksum_list, server.url("SHA512SUMS"));
  EXPECT_EQ(server.served("SHA512SUMS").requests, lists);
  EXPECT_EQ(server.served(kAmd64Disk).requests, 1);

  // The file changes on the server under the same name, its checksum list with it. Whatever
  // the cache held is gone (a new download is needed), but the first use's record is not: the
  // new file is refused, and nothing is cached.
  (void)store({unpinned}, trusted).gc(/*all=*/true);
  fs::remove(served() / kAmd64Disk);
  test::write_random_file(served() / kAmd64Disk, 64 * 1024, 7);
  const std::string changed = file_digest(served() / kAmd64Disk, DigestAlgorithm::kSha512).hex;
  std::ofstream(served() / "SHA512SUMS", std::ios::trunc) << changed << "  " << kAmd64Disk << "\n";
  try {
    (void)store({unpinned}, trusted).fetch("hurd-test");
    FAIL() << "a changed file was used";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("is not the file the checksum list " +
                                    server.url("SHA512SUMS") + " named on first use"));
    EXPECT_THAT(e.what(), HasSubstr("got sha512:" + changed));
  }
  EXPECT_EQ(count("artifacts"), 0u);
  EXPECT_EQ(server.served("SHA512SUMS").requests, lists);

  // Pinned: the lock gets the digest the server publishes now.
  ImageStore asking = store({unpinned}, trusted);
  pin_image_digest(lock_file(), "hurd-test",
                   asking.published_digest(asking.lock().find("hurd-test")));
  ImageStore pinned = open_image_store(lock_file(), trusted);
  EXPECT_EQ(pinned.lock().find("hurd-test").digest->str(), "sha512:" + changed);
}

TEST_F(ImageStoreTest, AChecksumListWithoutTheFileFailsAtOnceSayingWhatToDo) {
  FileServer server(served(), FileServer::Protocol::kHttps);
  fs::create_directories(served() / "other");
  fs::copy_file(served() / kAmd64Disk, served() / "other" / kAmd64Disk);
  std::ofstream(served() / "other/SHA512SUMS") << std::string(128, 'a') << "  another.img\n";
  test::TestImage unpinned = test::amd64_disk("hurd-test", server.url("other/" + kAmd64Disk));
  unpinned.digest.reset();
  ImageSettings trusted = settings();
  trusted.download.ca_file = server.ca_file();
  try {
    (void)store({unpinned}, trusted).fetch("hurd-test");
    FAIL() << "an image no checksum list names was used";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr(server.url("other/SHA512SUMS") + " does not list " + kAmd64Disk));
    EXPECT_THAT(e.what(), HasSubstr(server.url("other/SHA256SUMS") + " failed: HTTP 404"));
    EXPECT_THAT(e.what(), HasSubstr("Check that the entry's URL names a file"));
    EXPECT_THAT(e.what(), HasSubstr("hurdle image import hurd-test FILE"));
  }
  EXPECT_EQ(server.served("other/" + kAmd64Disk).requests, 0);
  EXPECT_EQ(count("first-use"), 0u);
}

// An entry whose checksum list is signed: the list's detached signature (SHA512SUMS.sign) must
// verify against the keyring `signed_by:` names (gpgv), or the list is not used. The key is made
// for the test with gpg.
TEST_F(ImageStoreTest, ASignedChecksumListMustVerifyAgainstTheEntrysKeyring) {
  const fs::path home = dir_ / "gnupg";
  fs::create_directories(home);
  fs::permissions(home, fs::perms::owner_all);
  const auto gpg = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"gpg", "--homedir", home.string(), "--batch", "--quiet"});
    const ProgramResult r = run_program(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  gpg({"--passphrase", "", "--quick-gen-key", "hurdle test <test@hurdle.invalid>", "ed25519",
       "sign", "never"});
  const fs::path keyring = dir_ / "test-keyring.gpg";
  gpg({"--output", keyring.string(), "--export"});
  gpg({"--output", (served() / "SHA512SUMS.sign").string(), "--detach-sign",
       (served() / "SHA512SUMS").string()});
  (void)run_program({"gpgconf", "--homedir", home.string(), "--kill", "gpg-agent"});

  FileServer server(served(), FileServer::Protocol::kHttps);
  test::TestImage entry = test::amd64_disk("hurd-test", server.url(kAmd64Disk));
  entry.digest.reset();
  entry.extra = "    signed_by: " + keyring.string() + "\n";
  ImageSettings trusted = settings();
  trusted.download.ca_file = server.ca_file();

  // Signed by the keyring's key: used, and the record says the signature was checked.
  const PreparedImage image = store({entry}, trusted).fetch("hurd-test");
  EXPECT_EQ(image.artifact.str(), test::fixture_digest(kAmd64Disk));
  EXPECT_EQ(image.checksum_list, server.url("SHA512SUMS") + " (signed, " + keyring.string() + ")");
  EXPECT_EQ(server.served("SHA512SUMS.sign").requests, 1);

  // The list changed after it was signed: refused on another machine's first use (a fresh
  // cache), naming the list, the keyring and what gpgv said.
  std::ofstream(served() / "SHA512SUMS", std::ios::app) << std::string(128, 'b') << "  x.img\n";
  ImageSettings fresh = trusted;
  fresh.cache_dir = dir_ / "cache2";
  try {
    (void)store({entry}, fresh).fetch("hurd-test");
    FAIL() << "a list whose signature does not verify was used";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("the signature of " + server.url("SHA512SUMS") +
                                    " does not verify against " + keyring.string()));
    EXPECT_THAT(e.what(), HasSubstr("BAD signature"));
  }
  EXPECT_EQ(server.served(kAmd64Disk).requests, 1);

  // A keyring that is not installed: said so, with what to install.
  entry.extra = "    signed_by: /usr/share/keyrings/no-such-keyring.gpg\n";
  try {
    (void)store({entry}, fresh).fetch("hurd-test");
    FAIL() << "a missing keyring was taken";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("install the Debian keyring package that holds it"));
  }
  // A keyring named by a relative path is refused in the lock itself.
  entry.extra = "    signed_by: keyring.gpg\n";
  EXPECT_THROW((void)store({entry}, fresh), ConfigError);
}

// Mirrors: one digest, several URLs tried in order, each download checked.
TEST_F(ImageStoreTest, AMirrorThat404sOrServesOtherBytesGivesWayToTheNext) {
  FileServer server(served(), FileServer::Protocol::kHttp);
  fs::create_directories(served() / "bad");
  test::write_random_file(served() / "bad" / kAmd64Disk, 64 * 1024, 3);
  test::TestImage entry = test::amd64_disk("hurd-test", server.url("gone/" + kAmd64Disk));
  entry.urls.push_back(server.url("bad/" + kAmd64Disk));
  entry.urls.push_back(server.url(kAmd64Disk));
  ImageStore s = store({entry});
  const PreparedImage image = s.fetch("hurd-test");
  EXPECT_EQ(image.url, server.url(kAmd64Disk));  // what the report says served it
  const auto artifact = s.cached_artifact(s.lock().find("hurd-test"));
  ASSERT_TRUE(artifact.has_value());
  EXPECT_EQ(artifact->manifest["url"], server.url(kAmd64Disk));
  const auto failed = artifact->manifest["download"]["failed_urls"];
  ASSERT_EQ(failed.size(), 2u) << failed.dump();
  EXPECT_THAT(failed[0].get<std::string>(), HasSubstr(server.url("gone/" + kAmd64Disk) + ": "));
  EXPECT_THAT(failed[0].get<std::string>(), HasSubstr("404"));
  EXPECT_THAT(failed[1].get<std::string>(),
              HasSubstr(server.url("bad/" + kAmd64Disk) + ": " + kAmd64Disk +
                        " from there is not the file the lock pins"));
  EXPECT_EQ(server.served("gone/" + kAmd64Disk).requests, 1);  // a 404 is not tried again
  EXPECT_EQ(server.served("bad/" + kAmd64Disk).requests, 1);
  EXPECT_EQ(server.served(kAmd64Disk).requests, 1);
  EXPECT_THAT(log_.str(), HasSubstr("trying the next URL"));
  EXPECT_EQ(count("downloads"), 0u);  // the other bytes were not kept
}

TEST_F(ImageStoreTest, EveryUrlFailingNamesEachWithItsStatusAndWhatToDo) {
  FileServer server(served(), FileServer::Protocol::kHttp);
  test::TestImage entry = test::amd64_disk("hurd-test", server.url("a/" + kAmd64Disk));
  entry.urls.push_back(server.url("b/" + kAmd64Disk));
  try {
    (void)store({entry}).fetch("hurd-test");
    FAIL() << "fetched from nowhere";
  } catch (const DownloadError& e) {
    EXPECT_THAT(e.what(), HasSubstr("could not download hurd-test"));
    EXPECT_THAT(e.what(), HasSubstr("from any of its 2 URLs"));
    EXPECT_THAT(e.what(), HasSubstr(server.url("a/" + kAmd64Disk) + ": HTTP 404"));
    EXPECT_THAT(e.what(), HasSubstr(server.url("b/" + kAmd64Disk) + ": HTTP 404"));
    EXPECT_THAT(e.what(), HasSubstr("hurdle image import hurd-test FILE"));
  }
  EXPECT_EQ(server.served("a/" + kAmd64Disk).requests, 1);
  EXPECT_EQ(server.served("b/" + kAmd64Disk).requests, 1);
  EXPECT_EQ(count("artifacts"), 0u);
}

TEST_F(ImageStoreTest, ImportIsTheOfflineRouteAndRefusesTheWrongFile) {
  // No server at all: the URL points at a port nobody listens on.
  ImageStore s = store({test::amd64_disk("hurd-test", "http://127.0.0.1:9/" + kAmd64Disk)});
  test::write_random_file(dir_ / "wrong.tar.xz", 4096, 3);
  try {
    (void)s.import("hurd-test", dir_ / "wrong.tar.xz");
    FAIL() << "the wrong file was imported";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("is not the file the lock pins for hurd-test"));
    EXPECT_THAT(e.what(), HasSubstr("expected " + test::fixture_digest(kAmd64Disk)));
    EXPECT_THAT(e.what(), HasSubstr("Nothing was cached"));
  }
  EXPECT_EQ(count("artifacts"), 0u);
  (void)s.import("hurd-test", served() / kAmd64Disk);
  EXPECT_TRUE(fs::exists(served() / kAmd64Disk)) << "import must copy, not take the file";
  const PreparedImage image = s.fetch("hurd-test");  // offline: from the imported copy
  EXPECT_TRUE(fs::exists(image.disk));
}

TEST_F(ImageStoreTest, OfflineFetchNamesTheUrlWhatFailedAndTheImportRoute) {
  ImageSettings once = settings();
  once.download.attempts = 2;
  ImageStore s = store({test::amd64_disk("hurd-test", "http://127.0.0.1:9/" + kAmd64Disk)}, once);
  try {
    (void)s.fetch("hurd-test");
    FAIL() << "fetched from nowhere";
  } catch (const DownloadError& e) {
    EXPECT_THAT(e.what(), HasSubstr("could not download hurd-test"));
    EXPECT_THAT(e.what(), HasSubstr("http://127.0.0.1:9/" + kAmd64Disk + ": "));
    EXPECT_THAT(e.what(), HasSubstr("Couldn't connect"));
    EXPECT_THAT(e.what(), HasSubstr("(2 attempts)"));
    EXPECT_THAT(e.what(), HasSubstr("hurdle image import hurd-test FILE"));
  }
  // Nothing came, so nothing partial is kept for a resume.
  EXPECT_EQ(test::count_entries(cache() / "downloads"), 0U);
  EXPECT_THAT(log_.str(), HasSubstr("trying again in 0.050 s (attempt 2 of 2)"));
}

TEST_F(ImageStoreTest, TheI386LayoutIsPreparedInPartitionFive) {
  FileServer server(served(), FileServer::Protocol::kHttp);
  // A sha256 pin works too.
  const auto i386 = test::i386_disk("hurd-test-i386", server.url(kI386Disk), "SHA256SUMS");
  const PreparedImage image = store({i386}).fetch("hurd-test-i386");
  std::ifstream in(image.manifest);
  const auto m = nlohmann::json::parse(in);
  EXPECT_EQ(m["preparation"]["partition"]["number"], 5);
  const std::uint64_t offset = m["preparation"]["partition"]["offset"];
  EXPECT_EQ(offset, (33ull + 1) << 20);
  EXPECT_THAT(file_in(image.disk, "/boot/grub/grub.cfg", offset),
              HasSubstr("root=device:hd0s5 console=com0\n"));
}

TEST_F(ImageStoreTest, ARecipeThatDoesNotFitLeavesNothingBehind) {
  FileServer server(served(), FileServer::Protocol::kHttp);
  test::TestImage bad = test::amd64_disk("hurd-test", server.url(kAmd64Disk));
  bad.extra = "    partition: 2\n";  // the swap partition: no ext2 filesystem there
  bad.prepare = {"hurd-serial-console"};
  try {
    (void)store({bad}).fetch("hurd-test");
    FAIL() << "prepared the swap partition";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("at byte 806354944: no ext2 filesystem could be opened"));
  }
  EXPECT_EQ(count("prepared"), 0u);
  EXPECT_EQ(count("work"), 0u);
  EXPECT_EQ(count("artifacts"), 1u) << "the verified download is kept for the next try";
}

TEST_F(ImageStoreTest, VerifyFindsAChangedFileAndGcKeepsWhatTheLockUses) {
  FileServer server(served(), FileServer::Protocol::kHttp);
  const auto i386 = test::i386_disk("hurd-test-i386", server.url(kI386Disk));
  const auto amd64 = test::amd64_disk("hurd-test", server.url(kAmd64Disk));
  ImageStore s = store({amd64, i386});
  const PreparedImage image = s.fetch("hurd-test");
  (void)s.fetch("hurd-test-i386");
  EXPECT_TRUE(s.verify("hurd-test").ok);

  // Someone writes into the base disk (as root would, despite the mode).
  ::chmod(image.disk.c_str(), 0644);
  {
    std::fstream f(image.disk, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100000);
    f.put('\x01');
  }
  const VerifyReport r = s.verify("hurd-test");
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.lines.back(), HasSubstr("CHANGED: expected " + image.disk_sha256.str()));

  // A lock without the i386 entry: gc drops its download and prepared disk, keeps amd64's.
  fs::create_directories(images() / "work" / "stale-from-a-killed-run");
  ImageStore smaller = store({amd64});
  const GcReport gc = smaller.gc(false);
  EXPECT_EQ(count("artifacts"), 1u);
  EXPECT_EQ(count("prepared"), 1u);
  EXPECT_EQ(count("work"), 0u);
  EXPECT_GE(gc.removed.size(), 3u);
  EXPECT_GT(gc.bytes, 0u);
  EXPECT_TRUE(fs::exists(image.disk));
}

}  // namespace
}  // namespace hurdle
