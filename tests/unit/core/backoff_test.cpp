#include "core/backoff.hpp"

#include <gtest/gtest.h>

namespace hurdle {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToItsLimit) {
  Backoff b(milliseconds(100), milliseconds(500));
  EXPECT_EQ(b.next(), milliseconds(100));
  EXPECT_EQ(b.next(), milliseconds(200));
  EXPECT_EQ(b.peek(), milliseconds(400));
  EXPECT_EQ(b.next(), milliseconds(400));
  EXPECT_EQ(b.next(), milliseconds(500));
  EXPECT_EQ(b.next(), milliseconds(500));
}

TEST(Backoff, AFixedIntervalStaysFixed) {
  Backoff b(milliseconds(250), milliseconds(250));
  EXPECT_EQ(b.next(), milliseconds(250));
  EXPECT_EQ(b.next(), milliseconds(250));
}

}  // namespace
}  // namespace hurdle
