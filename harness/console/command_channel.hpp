// The command channel: a root shell the guest keeps on a second serial port (the profile's
// `command_channel:`), through which hurdle runs commands with no login, no handshake and no
// reconnect: a clone or a restored snapshot inherits the shell as it waited, so its first
// command costs one round trip (the NixOS test driver's "backdoor", with a protocol of
// hurdle's own). What the guest must offer: a shell reading commands from the port with the
// terminal's echo off (`stty raw -echo isig`), SIGINT ignored by the loop itself, and `base64`
// (busybox or coreutils).
//
// Each command goes as one line: its text base64-encoded, decoded into a file in the guest's
// $TMPDIR, run there by `sh` from $HOME with stdin from /dev/null and stdout and stderr into
// two files, which come back base64-encoded between lines that carry a fresh nonce, then its
// status (ChannelReply reads that). A command that outlives its time-out gets Ctrl-C (the
// terminal's isig sends SIGINT to it; the loop ignores it); one that does not end then leaves
// the channel unusable, and the machine goes over SSH from then on.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "console/channel_reply.hpp"
#include "core/log_file.hpp"
#include "core/unique_fd.hpp"

namespace hurdle {

struct CommandChannelOptions {
  std::string machine = "machine";  // for messages
  std::filesystem::path log_file;   // channel.log: each command, its status and sizes
  std::vector<std::string> secrets;
  int abort_fd = -1;                // readable once QEMU has exited: a wait ends at once
  std::function<void()> on_closed;  // called when the port's socket closes; may throw
  // How long a command may take to answer Ctrl-C after its time-out before the channel is
  // given up.
  std::chrono::milliseconds interrupt_grace{std::chrono::seconds(5)};
};

class CommandChannel {
 public:
  CommandChannel(UniqueFd socket, CommandChannelOptions options);

  // Whether the shell answers within `timeout` (asked again every second until then, as a
  // shell that is still starting may lose the first question), with base64 at hand; the
  // question also defines what run() calls in the shell, unless `defined` says that the shell
  // has it already (a clone or restore of a moment when it answered). A channel that never
  // answered is not used: usable() is false from then on.
  bool answers(std::chrono::milliseconds timeout, bool defined = false);
  // Runs `command` (answers() first if it has not since the last forget()). TimeoutError when
  // it has not finished within `timeout` (it is interrupted); ConsoleError when the channel
  // is not usable, its reply is malformed or its socket closes.
  ChannelResult run(const std::string& command, std::chrono::milliseconds timeout);

  // Sends `command` (a reboot, a power-off) without waiting for it: the guest goes down, and
  // the channel is to be proven again when it is back. False when the channel was not proven.
  bool send_going_down(const std::string& command);

  // Neither given up nor known to be without a shell.
  [[nodiscard]] bool usable() const;
  // Whether the shell has answered since the last forget().
  [[nodiscard]] bool proven() const;
  // The guest went back in time (a restore): its shell is as it was then, to be proven again.
  void forget();

 private:
  [[nodiscard]] std::string next_nonce();
  void send(const std::string& line);
  // What came within `deadline` into `buffer`: its size (0: the socket closed, and the
  // channel is given up), or nullopt at the deadline. ConsoleError when QEMU ended.
  std::optional<std::size_t> read_some(std::span<char> buffer,
                                       std::chrono::steady_clock::time_point deadline);
  // Reads into `reply` until it is done or `deadline`; false at the deadline.
  bool read_reply(ChannelReply& reply, std::chrono::steady_clock::time_point deadline);
  bool answers_locked(std::chrono::milliseconds timeout, bool defined);

  UniqueFd socket_;
  CommandChannelOptions options_;
  LogFile log_;
  std::mt19937_64 random_;
  mutable std::mutex mutex_;  // one command at a time
  bool usable_ = true;
  bool proven_ = false;
  bool closed_ = false;  // for good: a restore does not bring it back
  std::string why_unusable_;
};

}  // namespace hurdle
