// A command's output within a limit: all of it when it fits, else its head and tail and a count
// of what was left out, however the bytes arrive.
#include "core/bounded_output.hpp"

#include <gtest/gtest.h>

#include <random>

namespace hurdle {
namespace {

TEST(BoundedOutput, KeepsEverythingWithinTheLimit) {
  BoundedOutput out(10);
  out.append("hello", 5);
  out.append("world", 5);
  EXPECT_FALSE(out.truncated());
  EXPECT_EQ(out.text(), "helloworld");
}

TEST(BoundedOutput, KeepsHeadAndTailAndCountsTheRestWhateverTheSplits) {
  std::string all;
  for (int i = 0; i < 100'000; ++i) all += static_cast<char>('a' + i % 26);
  const std::string expected =
      all.substr(0, 500) + "\n[... 99000 bytes not kept ...]\n" + all.substr(all.size() - 500);
  std::mt19937 random(7);
  for (int round = 0; round < 20; ++round) {
    BoundedOutput out(1000);
    for (std::size_t at = 0; at < all.size();) {
      const std::size_t n = std::min<std::size_t>(all.size() - at, random() % 3000);
      out.append(all.data() + at, n);
      at += n;
    }
    EXPECT_TRUE(out.truncated());
    EXPECT_EQ(out.total(), all.size());
    EXPECT_EQ(out.text(), expected) << "round " << round;
  }
}

TEST(BoundedOutput, MemoryStaysBoundedForAnEndlessStream) {
  BoundedOutput out(4096);
  const std::string chunk(65536, '\0');
  for (int i = 0; i < 16 * 1024; ++i) out.append(chunk.data(), chunk.size());  // 1 GiB
  EXPECT_EQ(out.total(), 1ull << 30);
  EXPECT_LT(out.text().size(), 4096u + 64);
}

}  // namespace
}  // namespace hurdle
