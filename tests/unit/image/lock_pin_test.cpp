// Pinning writes one digest line and keeps everything else; a different digest already pinned
// is left for a person to look at.
#include "image/lock_pin.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "image/image_lock.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

using ::testing::HasSubstr;

const char* kLock = R"(# the lock, with comments that must stay
images:
  # the one to pin
  one:
    description: first
    url: https://a.org/one-20250807.img.tar.xz   # dated
    archive: tar.xz
  two:
    url: https://a.org/two-1.img
)";

TEST(LockPin, WritesTheDigestAfterTheUrlAndKeepsTheRest) {
  PrivateFolder dir("pin");
  const auto file = dir / "lock.yaml";
  std::ofstream(file) << kLock;
  const Digest d = *parse_digest("sha512:" + std::string(128, 'c'));
  pin_image_digest(file, "one", d);
  const std::string text = test::read_file(file);
  EXPECT_EQ(text, std::string(kLock).replace(std::string(kLock).find("    archive"), 0,
                                             "    digest: sha512:" + std::string(128, 'c') + "\n"));
  EXPECT_EQ(load_image_lock(file).find("one").digest, d);
  EXPECT_FALSE(load_image_lock(file).find("two").digest.has_value());
  // The same digest again changes nothing; another one is refused.
  pin_image_digest(file, "one", d);
  EXPECT_EQ(test::read_file(file), text);
  try {
    pin_image_digest(file, "one", *parse_digest("sha512:" + std::string(128, 'd')));
    FAIL() << "overwrote a pinned digest";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("one is pinned to sha512:cccc"));
    EXPECT_THAT(e.what(), HasSubstr("look before changing it"));
  }
  EXPECT_EQ(test::read_file(file), text);
  // The last entry, with no url line to follow, gets its digest too.
  pin_image_digest(file, "two", d);
  EXPECT_EQ(load_image_lock(file).find("two").digest, d);
}

}  // namespace
}  // namespace hurdle
