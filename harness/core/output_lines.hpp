// A command's live output made into whole lines, one splitter per stream, for a person to
// follow: each line goes to `on_line` as soon as its newline arrives (stdout's and stderr's
// in the order they were ended), a line longer than `max_line` is replaced by a line saying
// its length, and finish() ends a last line the command left without a newline. The
// ssh.succeed step's `live: true` and `hurdle exec` use it over SshSession's LiveOutput.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "core/line_buffer.hpp"

namespace hurdle {

class OutputLines {
 public:
  using OnLine = std::function<void(bool err, std::string_view line)>;
  explicit OutputLines(OnLine on_line, std::size_t max_line = 64 * 1024)
      : on_line_(std::move(on_line)), out_(max_line), err_(max_line) {}

  // A piece of stdout (`err` false) or stderr, as it came.
  void feed(bool err, std::string_view piece) {
    (err ? err_ : out_)
        .feed(
            piece, [&](std::string_view line) { on_line_(err, line); },
            [&](std::size_t length) {
              on_line_(err, "[a line of " + std::to_string(length) + " bytes, not shown]");
            });
  }
  // Ends the last line of each stream, if it had no newline.
  void finish() {
    if (out_.has_partial_line()) feed(false, "\n");
    if (err_.has_partial_line()) feed(true, "\n");
  }

 private:
  OnLine on_line_;
  LineBuffer out_;
  LineBuffer err_;
};

}  // namespace hurdle
