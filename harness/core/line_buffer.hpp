// Splits a byte stream into lines, scanning each byte once (incrementally: a line that arrives
// in many reads is not rescanned), with a bound on a line's length: past it, the line is
// dropped up to its newline and reported as overlong instead. QmpClient reads QMP with it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hurdle {

class LineBuffer {
 public:
  explicit LineBuffer(std::size_t max_line) : max_line_(max_line) {}

  // Calls on_line(std::string_view) for each complete line (without "\n" or "\r\n"), and
  // on_overlong(std::size_t length) for each line longer than max_line.
  template <typename OnLine, typename OnOverlong>
  void feed(std::string_view bytes, OnLine&& on_line, OnOverlong&& on_overlong) {
    std::size_t from = 0;
    while (from < bytes.size()) {
      const std::size_t nl = bytes.find('\n', from);
      const std::size_t end = nl == std::string_view::npos ? bytes.size() : nl;
      const std::string_view piece = bytes.substr(from, end - from);
      if (!overlong_ && pending_.size() + piece.size() > max_line_) {
        overlong_ = true;
        dropped_ = pending_.size();
        pending_.clear();
        pending_.shrink_to_fit();
      }
      if (overlong_) {
        dropped_ += piece.size();
      } else {
        pending_.append(piece);
      }
      if (nl == std::string_view::npos) return;
      if (overlong_) {
        on_overlong(dropped_);
      } else {
        std::string_view line = pending_;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        on_line(line);
      }
      pending_.clear();
      overlong_ = false;
      dropped_ = 0;
      from = nl + 1;
    }
  }

  // Whether a line has begun that no newline has ended yet.
  [[nodiscard]] bool has_partial_line() const { return !pending_.empty() || overlong_; }

 private:
  std::size_t max_line_;
  std::string pending_;  // the line so far
  bool overlong_ = false;
  std::size_t dropped_ = 0;
};

}  // namespace hurdle
