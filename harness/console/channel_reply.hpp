// What the guest's shell sends back on the command channel for one command, read as hostile
// input: lines (LineBuffer; at most 64 KiB each) of which those before `NONCE out` are not the
// reply (kept up to 4 KiB for the log), then the command's stdout as base64 lines up to `NONCE
// err`, its stderr likewise up to `NONCE status N`. Each stream is kept within a limit
// (BoundedOutput); a line that is not base64, a status that is not 0 to 255, or a line too long is
// an error naming the line. NONCE is fresh for each command, so that what an earlier command left
// behind, or the command's own output (which is encoded), never ends a reply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bounded_output.hpp"
#include "core/line_buffer.hpp"

namespace hurdle {

struct ChannelResult {
  int exit_status = -1;
  std::string out;
  std::string err;
  std::uint64_t out_bytes = 0;  // what the command really wrote
  std::uint64_t err_bytes = 0;
};

class ChannelReply {
 public:
  static constexpr std::size_t kMaxLine = 64 * 1024;
  static constexpr std::size_t kKeptJunk = 4 * 1024;

  explicit ChannelReply(std::string nonce, std::size_t limit = BoundedOutput::kDefaultLimit);

  // Takes bytes as they came; true once the status line has come (what follows it is
  // ignored). Throws ConsoleError for a malformed reply (an overlong line when its end comes:
  // until then only its length is kept).
  bool feed(std::string_view bytes);
  [[nodiscard]] bool done() const { return part_ == Part::kDone; }
  // The command's outcome; only once done().
  [[nodiscard]] ChannelResult result() const;
  // Where the reply was when it stopped: "before its start", "in its stdout", ...
  [[nodiscard]] std::string progress() const;
  // What came before the reply's first line (at most kKeptJunk bytes), and how much.
  [[nodiscard]] const std::string& before() const { return before_; }
  [[nodiscard]] std::uint64_t before_bytes() const { return before_bytes_; }

 private:
  enum class Part { kBefore, kOut, kErr, kDone };
  void line(std::string_view text);
  void decoded(std::string_view text, BoundedOutput& into);

  std::string nonce_;
  Part part_ = Part::kBefore;
  LineBuffer lines_;
  std::uint64_t line_count_ = 0;
  std::string before_;
  std::uint64_t before_bytes_ = 0;
  BoundedOutput out_;
  BoundedOutput err_;
  int status_ = -1;
};

}  // namespace hurdle
