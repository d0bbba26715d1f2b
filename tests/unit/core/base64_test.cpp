// Base64 as RFC 4648 writes it, and a strict reading of it: the command channel's lines come
// from the guest.
#include "core/base64.hpp"

#include <gtest/gtest.h>

#include <random>

namespace hurdle {
namespace {

TEST(Base64, EncodesTheRfcVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesWhatItEncodesWhateverTheBytes) {
  std::mt19937 random(7);
  for (std::size_t size = 0; size < 70; ++size) {
    std::string bytes(size, '\0');
    for (auto& b : bytes) b = static_cast<char>(random() & 0xff);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << size;
  }
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
}

TEST(Base64, RefusesWhatIsNotWholePaddedGroupsOfTheAlphabet) {
  EXPECT_FALSE(base64_decode("Zm9"));       // a cut group
  EXPECT_FALSE(base64_decode("Zm9v!A=="));  // a character outside the alphabet
  EXPECT_FALSE(base64_decode("Zg==Zm9v"));  // padding before the end
  EXPECT_FALSE(base64_decode("Z==="));      // padding where a digit must be
  EXPECT_FALSE(base64_decode("Zm=v"));      // a digit after padding
  EXPECT_FALSE(base64_decode("Zm9v\n"));    // a line's end is not the text's
  EXPECT_EQ(base64_decode(""), "");
}

}  // namespace
}  // namespace hurdle
