// What a command run in the guest gave back: exit status, stdout and stderr kept apart, and how
// long it took. Returned by SshSession::run and Machine::run; CommandFailed carries one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace hurdle {

// Where a command's output goes as it arrives, besides its CommandResult: each piece of its
// stdout (`err` false) or stderr (`err` true), in the order the guest sent them, as raw bytes
// (not split into lines, not masked). Called on the thread that runs the command; what it
// throws is ignored (the command's result is kept whole whatever the sink does).
using LiveOutput = std::function<void(bool err, std::string_view piece)>;

struct CommandResult {
  std::string command;
  int exit_status = -1;  // -1 when the command was killed by a signal (see `signal`)
  std::string signal;    // e.g. "KILL" when the command died of a signal
  std::string out;       // at most 8 MiB: its head and tail, and a line counting the rest
  std::string err;
  std::uint64_t out_bytes = 0;  // what the command really wrote
  std::uint64_t err_bytes = 0;
  std::chrono::milliseconds elapsed{0};
  std::string over;  // how it reached the guest: "ssh", "channel" or "console"

  [[nodiscard]] bool ok() const { return exit_status == 0; }
  // "`false` exited with status 1 after 0.02 s\nstdout: ...\nstderr: ..." (each cut to 2 KB).
  [[nodiscard]] std::string describe() const;
};

// succeed() saw a non-zero status, or fail() saw zero. The message has the command, its status,
// its stdout and its stderr; result() has them whole.
class CommandFailed : public Error {
 public:
  CommandFailed(const std::string& machine, const std::string& expectation, CommandResult result);
  [[nodiscard]] const CommandResult& result() const { return result_; }
  [[nodiscard]] const char* kind() const noexcept override { return "CommandFailed"; }

 private:
  CommandResult result_;
};

}  // namespace hurdle
