// The image lock: the shipped one reads as the notes describe it, and every way a lock can be
// wrong is refused with file:line:column, above all URLs that move (undated aliases) and plain
// HTTP without a digest.
#include "image/image_lock.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "support/paths.hpp"

namespace hurdle {
namespace {

using ::testing::HasSubstr;

TEST(ImageLock, TheShippedLockPinsDatedDebianImages) {
  const ImageLock lock = load_image_lock(test::source_dir() / "fixtures/images.lock.yaml");
  ASSERT_EQ(lock.images.size(), 3u);
  const ImageEntry& amd64 = lock.find("debian-hurd-amd64");
  EXPECT_EQ(amd64.urls.front(),
            "https://cdimage.debian.org/cdimage/ports/13.0/hurd-amd64/"
            "debian-hurd-amd64-20250807.img.tar.xz");
  EXPECT_EQ(amd64.archive, ArchiveType::kTarXz);
  EXPECT_EQ(amd64.member, "debian-hurd-amd64-20250807.img");
  EXPECT_EQ(amd64.recipes, (std::vector<std::string>{"hurd-serial-console", "hurd-ssh-key"}));
  EXPECT_EQ(amd64.prepare.size(), 4u);
  EXPECT_FALSE(amd64.digest.has_value());  // no value is known here: `hurdle image pin` it
  EXPECT_THAT(lock.find("debian-hurd-i386").urls.front(), HasSubstr("/13.0/hurd-i386/"));
  const ImageEntry& latest = lock.find("debian-hurd-amd64-20260314");
  ASSERT_TRUE(latest.digest.has_value());
  EXPECT_EQ(latest.digest->str(),
            "sha512:0c6151e7a402c065ef337841a2586e5c6a9799955d4f25d454cb7c6e6d54e7e2d52768aea0874a"
            "794aa285089a085c3b99702de475bc2fc4f250a2ce5a9f6cf0");
  EXPECT_EQ(url_directory(latest.urls.front()),
            "https://cdimage.debian.org/cdimage/ports/latest/hurd-amd64/");
  try {
    (void)lock.find("debian-hurd");
    FAIL() << "found";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no image named 'debian-hurd' in the lock; it has: "
                                    "debian-hurd-amd64, debian-hurd-i386"));
  }
}

class BadLock : public ::testing::Test {
 protected:
  std::string error(const std::string& images) {
    const auto file = dir_ / "lock.yaml";
    std::ofstream(file) << "recipes:\n  r: [ { mkdir: { path: /x } } ]\nimages:\n" << images;
    try {
      (void)load_image_lock(file);
    } catch (const ConfigError& e) {
      return std::string(e.what()).substr(file.string().size());
    }
    return "accepted";
  }
  PrivateFolder dir_{"lock"};
};

TEST_F(BadLock, MovingAliasesAndUnverifiableDownloadsAreRefused) {
  EXPECT_THAT(error("  x:\n    url: https://cdimage.debian.org/x/debian-hurd.img.tar.xz\n"),
              HasSubstr(":5:10: 'debian-hurd.img.tar.xz' names no date or version"));
  EXPECT_THAT(error("  x:\n    url: http://example.org/x-20250807.img\n"),
              HasSubstr(":5:10: a plain http:// URL needs a digest"));
  EXPECT_THAT(error("  x:\n    url: ftp://example.org/x-1.img\n"),
              HasSubstr("expected an https:// URL"));
  EXPECT_THAT(error("  x:\n    urls: [https://a.org/x-1.img, http://b.org/x-1.img]\n"),
              HasSubstr(":5:35: a plain http:// URL needs a digest"));
}

TEST_F(BadLock, EveryFieldIsChecked) {
  const std::string url = "  x:\n    url: https://a.org/x-1.img.tar.xz\n";
  EXPECT_THAT(error(url + "    digest: sha1:abc\n"), HasSubstr(":6:13: bad digest 'sha1:abc'"));
  EXPECT_THAT(error(url + "    archive: zip\n"), HasSubstr(":6:14: expected archive tar.xz, "));
  EXPECT_THAT(error(url + "    archive: gz\n    member: a.img\n"),
              HasSubstr("member: names a file inside a tar archive"));
  EXPECT_THAT(error(url + "    format: vmdk\n"), HasSubstr("expected format raw or qcow2"));
  EXPECT_THAT(error(url + "    partition: 0\n"), HasSubstr("expected partition root or a number"));
  EXPECT_THAT(error(url + "    prepare: [nothing]\n"),
              HasSubstr(":6:15: no recipe named 'nothing'; recipes here: r"));
  EXPECT_THAT(error(url + "    prepare: [ { edit: { file: /boot/grub/grub.cfg } } ]\n"),
              HasSubstr("an edit needs append, prepend or lines"));
  EXPECT_THAT(error(url + "    prepare: [ { write: { file: /a/../b, content: x } } ]\n"),
              HasSubstr("'..' is not allowed"));
  EXPECT_THAT(error(url + "    prepare: [ { write: { file: /a, content: '${nobody}' } } ]\n"),
              HasSubstr("unknown variable ${nobody}; known here: hurdle_ssh_public_key"));
  EXPECT_THAT(error(url + "    prepare: [ { mkdir: { path: /a, mode: '0800' } } ]\n"),
              HasSubstr("expected an octal mode"));
  EXPECT_THAT(error(url + "    prepare: [ { mkdir: { path: /a, owner: root } } ]\n"),
              HasSubstr("expected owner as UID:GID"));
  EXPECT_THAT(error(url + "    urll: x\n"), HasSubstr(":6:5: unknown key 'urll'"));
  EXPECT_THAT(error("  x:\n    archive: none\n"), HasSubstr("expected either url: or urls:"));
  EXPECT_THAT(error(url + "  x:\n    url: https://a.org/x-2.img\n"),
              HasSubstr(":6:3: the key 'x' is given twice in this mapping (first at line 4)"));
}

}  // namespace
}  // namespace hurdle
