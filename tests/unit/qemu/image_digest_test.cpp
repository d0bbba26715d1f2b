// Image digests: the same as coreutils' sha256sum, remembered in the cache folder while the
// file's size, mtime and inode stand, and computed again once the file changes.
#include "qemu/image_digest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/boost_process.hpp"
#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;

std::string sha256sum(const fs::path& file) {
  namespace bp = boost::process::v2;
  boost::asio::io_context ctx;
  boost::asio::readable_pipe out(ctx);
  bp::process p(ctx, bp::environment::find_executable("sha256sum"), {file.string()},
                bp::process_stdio{nullptr, out, nullptr});
  std::string text;
  boost::system::error_code ec;
  boost::asio::read(out, boost::asio::dynamic_buffer(text), ec);
  p.wait();
  return text.substr(0, 64);
}

TEST(ImageDigest, MatchesSha256sumAndIsRememberedUntilTheFileChanges) {
  PrivateFolder dir("image-digest");
  const fs::path image = dir / "disk.img";
  test::write_random_file(image, 3 * 1024 * 1024 + 17, 7);  // not a whole number of blocks
  const fs::path cache = dir / "cache";
  const std::string real = sha256sum(image);
  ASSERT_EQ(real.size(), 64u);
  EXPECT_EQ(image_sha256(image), real);         // no cache
  EXPECT_EQ(image_sha256(image, cache), real);  // hashed, then remembered
  ASSERT_TRUE(fs::exists(cache / "image-digests.json"));

  // The remembered digest is what comes back while the file is unchanged: make it a lie.
  auto remembered = nlohmann::json::parse(test::read_file(cache / "image-digests.json"));
  ASSERT_EQ(remembered.size(), 1u);
  remembered.begin()->at("sha256") = std::string(64, 'f');
  std::ofstream(cache / "image-digests.json") << remembered.dump();
  EXPECT_EQ(image_sha256(image, cache), std::string(64, 'f'));

  // A new mtime: hashed again.
  fs::last_write_time(image, fs::last_write_time(image) + std::chrono::seconds(1));
  EXPECT_EQ(image_sha256(image, cache), real);

  // A damaged cache is ignored.
  std::ofstream(cache / "image-digests.json") << "{ not json";
  EXPECT_EQ(image_sha256(image, cache), real);
}

TEST(ImageDigest, AMissingImageIsAnImageErrorNamingIt) {
  try {
    image_sha256("/nonexistent/hurd.qcow2");
    FAIL() << "no error";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("/nonexistent/hurd.qcow2: cannot read the image"));
  }
}

}  // namespace
}  // namespace hurdle
