// Progress of a long transfer (a 355 MB download, a 4 GB unpack) for a person watching: a bar
// redrawn in place on a terminal (bytes, rate, time left), a plain line every 10% or 15 s in a
// CI log, nothing with --quiet. Pure formatting over an injected clock, so it is unit-tested.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "core/byte_text.hpp"

namespace hurdle {

enum class ProgressStyle { kBar, kLines, kQuiet };

// kQuiet when `quiet`, else kBar when `fd` is a terminal (and TERM is not "dumb"), else kLines.
ProgressStyle progress_style(bool quiet, int fd);

// Where the image store says what it does: a line per step, and a meter for long transfers,
// in the chosen style. A null stream (or kQuiet) says nothing.
struct StatusLog {
  std::ostream* out = nullptr;
  ProgressStyle style = ProgressStyle::kLines;
  std::string prefix = "hurdle: ";

  void say(const std::string& line) const;
  // A meter labelled "<prefix><what>" in this log's style.
  [[nodiscard]] class TransferProgress meter(const std::string& what) const;
};

class TransferProgress {
 public:
  using Clock = std::chrono::steady_clock;

  // `out` null: says nothing.
  TransferProgress(std::ostream* out, ProgressStyle style, std::string label,
                   std::function<Clock::time_point()> now = Clock::now);

  // `done` of `total` bytes (total 0: unknown). `done` may start above 0 (a resumed download):
  // the rate counts only what this transfer moved.
  void update(std::uint64_t done, std::uint64_t total);
  // The last word: "<label>: 355.0 MiB in 32.1 s (11.1 MiB/s)", after the bar if there was one.
  void finish(std::uint64_t done, const std::string& what = "");

 private:
  [[nodiscard]] std::string status(std::uint64_t done, std::uint64_t total) const;

  std::ostream* out_;
  ProgressStyle style_;
  std::string label_;
  std::function<Clock::time_point()> now_;
  Clock::time_point started_;
  Clock::time_point last_shown_;
  bool started_counting_ = false;
  std::uint64_t first_done_ = 0;  // what was there before this transfer
  std::uint64_t last_done_ = 0;
  int last_decile_ = 0;
  bool drawn_ = false;
};

}  // namespace hurdle
