// Progress as a person sees it: lines every 10% in a log, a bar redrawn in place on a
// terminal, nothing when quiet; rates count only what this transfer moved.
#include "image/transfer_progress.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace hurdle {
namespace {

using ::testing::HasSubstr;
using Clock = TransferProgress::Clock;

struct FakeClock {
  Clock::time_point now{};
  std::function<Clock::time_point()> fn() {
    return [this] { return now; };
  }
};

TEST(TransferProgress, LinesEveryTenPercentWithRateAndTimeLeft) {
  FakeClock clock;
  std::ostringstream out;
  TransferProgress p(&out, ProgressStyle::kLines, "hurdle: downloading x.img", clock.fn());
  const std::uint64_t total = 100ull << 20;
  p.update(0, total);  // libcurl's first report, before any byte
  for (int i = 1; i <= 100; ++i) {
    clock.now += std::chrono::milliseconds(100);  // 1 MiB per 0.1 s: 10 MiB/s
    p.update(static_cast<std::uint64_t>(i) << 20, total);
  }
  p.finish(total);
  const std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 11);  // 10%..100%, then the last word
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_THAT(
      text,
      HasSubstr("hurdle: downloading x.img: 10.0 MiB of 100.0 MiB (10%), 10.0 MiB/s, 0:09 left\n"));
  EXPECT_THAT(text, HasSubstr("hurdle: downloading x.img: 100.0 MiB in 10.00 s (10.0 MiB/s)\n"));
}

TEST(TransferProgress, AResumedTransferCountsOnlyWhatItMoved) {
  FakeClock clock;
  std::ostringstream out;
  TransferProgress p(&out, ProgressStyle::kLines, "x", clock.fn());
  p.update(50ull << 20, 100ull << 20);  // half was there already
  clock.now += std::chrono::seconds(5);
  p.update(60ull << 20, 100ull << 20);
  EXPECT_THAT(out.str(), HasSubstr("60.0 MiB of 100.0 MiB (60%), 2.0 MiB/s, 0:20 left"));
}

TEST(TransferProgress, ABarOnATerminalAndSilenceWhenQuiet) {
  FakeClock clock;
  std::ostringstream bar;
  TransferProgress p(&bar, ProgressStyle::kBar, "fetch", clock.fn());
  for (int i = 1; i <= 4; ++i) {
    clock.now += std::chrono::seconds(1);
    p.update(static_cast<std::uint64_t>(i) << 20, 4ull << 20);
  }
  p.finish(4ull << 20);
  EXPECT_THAT(bar.str(), HasSubstr("\rfetch [######------------------] 1.0 MiB of 4.0 MiB (25%)"));
  EXPECT_THAT(bar.str(), HasSubstr("\x1b[K"));
  EXPECT_THAT(bar.str(), HasSubstr("\r\x1b[Kfetch: 4.0 MiB in 4.00 s"));

  std::ostringstream quiet;
  TransferProgress q(&quiet, ProgressStyle::kQuiet, "fetch", clock.fn());
  q.update(1, 2);
  q.finish(2);
  EXPECT_EQ(quiet.str(), "");
  EXPECT_EQ(progress_style(true, 1), ProgressStyle::kQuiet);
}

TEST(TransferProgress, ByteText) {
  EXPECT_EQ(byte_text(512), "512 B");
  EXPECT_EQ(byte_text(1536), "1.5 KiB");
  EXPECT_EQ(byte_text(355ull << 20), "355.0 MiB");
  EXPECT_EQ(byte_text(4509715660ull), "4.20 GiB");
}

}  // namespace
}  // namespace hurdle
