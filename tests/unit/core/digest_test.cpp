// Digests: parsed only in the form locks use, computed as coreutils computes them (FIPS 180
// test vectors), for files of any length.
#include "core/digest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

TEST(Digest, ParsesBothAlgorithmsAndLowersTheCase) {
  const auto d = parse_digest("sha256:" + std::string(64, 'A'));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->algorithm, DigestAlgorithm::kSha256);
  EXPECT_EQ(d->hex, std::string(64, 'a'));
  EXPECT_EQ(d->str(), "sha256:" + std::string(64, 'a'));
  EXPECT_TRUE(parse_digest("sha512:" + std::string(128, '0')));
}

TEST(Digest, RefusesWhatIsNotADigestAndSaysWhy) {
  std::string why;
  EXPECT_FALSE(parse_digest(std::string(128, '0'), &why));
  EXPECT_THAT(why, ::testing::HasSubstr("expected sha512:"));
  EXPECT_FALSE(parse_digest("md5:" + std::string(32, '0'), &why));
  EXPECT_THAT(why, ::testing::HasSubstr("unknown digest algorithm 'md5'"));
  EXPECT_FALSE(parse_digest("sha512:" + std::string(127, '0'), &why));
  EXPECT_THAT(why, ::testing::HasSubstr("128 hex digits, found 127"));
  EXPECT_FALSE(parse_digest("sha256:" + std::string(63, '0') + "g", &why));
  EXPECT_THAT(why, ::testing::HasSubstr("not a hex digit: 'g'"));
}

TEST(Digest, KnownVectors) {
  EXPECT_EQ(text_digest("abc", DigestAlgorithm::kSha256).hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(text_digest("abc", DigestAlgorithm::kSha512).hex,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(Digest, FileDigestMatchesSha512sumAndReportsProgress) {
  PrivateFolder dir("digest");
  const auto file = dir / "data.bin";
  test::write_random_file(file, 5 * 1024 * 1024 + 3, 11);
  std::uint64_t last = 0;
  int calls = 0;
  const Digest d = file_digest(file, DigestAlgorithm::kSha512, [&](std::uint64_t done) {
    EXPECT_GT(done, last);
    last = done;
    ++calls;
  });
  const auto sum = run_program({"sha512sum", file.string()});
  ASSERT_TRUE(sum.ok()) << sum.err;
  EXPECT_EQ(d.hex, sum.out.substr(0, 128));
  EXPECT_EQ(last, 5u * 1024 * 1024 + 3);
  EXPECT_EQ(calls, 6);
}

TEST(Digest, UnreadableFileNamesIt) {
  try {
    (void)file_digest("/nonexistent/disk.img", DigestAlgorithm::kSha512);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("/nonexistent/disk.img: cannot read"));
  }
}

}  // namespace
}  // namespace hurdle
