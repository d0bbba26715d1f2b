#include "image/checksum_list.hpp"

#include <gtest/gtest.h>

namespace hurdle {
namespace {

const std::string kA(128, 'a');
const std::string kB(128, 'b');

TEST(ChecksumList, CoreutilsAndBsdLinesBinaryMarksAndDotSlash) {
  const std::string list = kA + "  debian-hurd-amd64-20250807.img.tar.xz\n" + kB +
                           " *./debian-hurd-amd64-20250807.img.tar.gz\r\n"
                           "SHA512 (debian-hurd-i386-20250807.img.gz) = " +
                           kA + "\n";
  const auto alg = DigestAlgorithm::kSha512;
  EXPECT_EQ(find_in_checksum_list(list, "debian-hurd-amd64-20250807.img.tar.xz", alg)->hex, kA);
  EXPECT_EQ(find_in_checksum_list(list, "debian-hurd-amd64-20250807.img.tar.gz", alg)->hex, kB);
  EXPECT_EQ(find_in_checksum_list(list, "debian-hurd-i386-20250807.img.gz", alg)->hex, kA);
  // Whole names only, and the right length for the algorithm.
  EXPECT_FALSE(find_in_checksum_list(list, "debian-hurd-amd64-20250807.img", alg));
  EXPECT_FALSE(find_in_checksum_list(list, "debian-hurd-amd64-20250807.img.tar.xz",
                                     DigestAlgorithm::kSha256));
  EXPECT_FALSE(find_in_checksum_list("zz  x.img\n", "x.img", alg));
}

}  // namespace
}  // namespace hurdle
