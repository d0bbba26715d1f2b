// The pause between retries of something that may come right later (an SSH server still
// starting, a command polled until it succeeds, a download over a flaky network): it starts at
// `first` and doubles up to `max`. One helper, so that every retry loop backs off alike.
#pragma once

#include <algorithm>
#include <chrono>

namespace hurdle {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds max)
      : current_(first), max_(std::max(first, max)) {}

  // The pause to take now; the next one is twice as long, up to `max`.
  [[nodiscard]] std::chrono::milliseconds next() {
    const auto now = current_;
    current_ = std::min(current_ * 2, max_);
    return now;
  }
  // The pause next() would return, without advancing.
  [[nodiscard]] std::chrono::milliseconds peek() const { return current_; }

 private:
  std::chrono::milliseconds current_;
  std::chrono::milliseconds max_;
};

}  // namespace hurdle
