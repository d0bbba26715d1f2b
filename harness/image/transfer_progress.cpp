#include "image/transfer_progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/duration_text.hpp"

namespace hurdle {

namespace {

constexpr auto kLineInterval = std::chrono::seconds(15);
constexpr auto kBarInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 24;

std::string clock_text(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

}  // namespace

ProgressStyle progress_style(bool quiet, int fd) {
  if (quiet) return ProgressStyle::kQuiet;
  const char* term = std::getenv("TERM");
  if (::isatty(fd) == 1 && (term == nullptr || std::strcmp(term, "dumb") != 0))
    return ProgressStyle::kBar;
  return ProgressStyle::kLines;
}

void StatusLog::say(const std::string& line) const {
  if (out == nullptr || style == ProgressStyle::kQuiet) return;
  *out << prefix << line << "\n" << std::flush;
}

TransferProgress StatusLog::meter(const std::string& what) const {
  return TransferProgress(out, style, prefix + what);
}

TransferProgress::TransferProgress(std::ostream* out, ProgressStyle style, std::string label,
                                   std::function<Clock::time_point()> now)
    : out_(out),
      style_(out == nullptr ? ProgressStyle::kQuiet : style),
      label_(std::move(label)),
      now_(std::move(now)) {
  started_ = last_shown_ = now_();
}

std::string TransferProgress::status(std::uint64_t done, std::uint64_t total) const {
  const double seconds = std::chrono::duration<double>(now_() - started_).count();
  const double moved = static_cast<double>(done - std::min(done, first_done_));
  const double rate = seconds > 0.2 ? moved / seconds : 0;
  std::string s = byte_text(done);
  if (total > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%d%%)", static_cast<int>(100.0 * done / total));
    s += " of " + byte_text(total) + pct;
  }
  if (rate > 0) {
    s += ", " + byte_text(static_cast<std::uint64_t>(rate)) + "/s";
    if (total > done) s += ", " + clock_text(static_cast<double>(total - done) / rate) + " left";
  }
  return s;
}

void TransferProgress::update(std::uint64_t done, std::uint64_t total) {
  if (style_ == ProgressStyle::kQuiet) return;
  if (!started_counting_) {
    started_counting_ = true;
    first_done_ = done;
  }
  last_done_ = done;
  const auto t = now_();
  if (style_ == ProgressStyle::kBar) {
    if (drawn_ && t - last_shown_ < kBarInterval && done != total) return;
    last_shown_ = t;
    drawn_ = true;
    std::string bar;
    if (total > 0) {
      const int filled =
          static_cast<int>(kBarWidth * std::min(1.0, static_cast<double>(done) / total));
      bar = "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '-') + "] ";
    }
    *out_ << "\r" << label_ << " " << bar << status(done, total) << "\x1b[K" << std::flush;
    return;
  }
  // Lines: every further 10% (when the total is known) or every 15 s.
  const int decile = total > 0 ? static_cast<int>(10.0 * done / total) : 0;
  if (decile > last_decile_ || t - last_shown_ >= kLineInterval) {
    if (decile >= 10 && last_decile_ >= 10) return;
    last_decile_ = std::max(decile, last_decile_);
    last_shown_ = t;
    *out_ << label_ << ": " << status(done, total) << "\n" << std::flush;
  }
}

void TransferProgress::finish(std::uint64_t done, const std::string& what) {
  if (style_ == ProgressStyle::kQuiet) return;
  const double seconds = std::chrono::duration<double>(now_() - started_).count();
  const double moved = static_cast<double>(done - std::min(done, first_done_));
  std::string line = label_ + ": " + (what.empty() ? byte_text(done) : what) + " in " +
                     seconds_text(now_() - started_);
  if (seconds > 0.05 && moved > 0)
    line += " (" + byte_text(static_cast<std::uint64_t>(moved / seconds)) + "/s)";
  if (style_ == ProgressStyle::kBar && drawn_) *out_ << "\r\x1b[K";
  *out_ << line << "\n" << std::flush;
}

}  // namespace hurdle
