#include "console/command_channel.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "core/base64.hpp"
#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/line_buffer.hpp"
#include "core/unix_socket.hpp"

namespace hurdle {

namespace {

using Clock = std::chrono::steady_clock;

// What answers() defines in the channel's shell (a clone or a restored snapshot inherits it):
// `_hurdle NONCE COMMAND` runs COMMAND by `sh -c` from $HOME with SIGINT as it should be (the
// loop ignores it, so that only the command gets Ctrl-C), stdin from /dev/null, stdout and
// stderr into two files in $TMPDIR named after the shell's pid (a guest may have more than one
// such shell), then sends them base64-encoded (no process for an empty one) between the
// nonce's lines, then its status, and empties the files.
constexpr std::string_view kDefinition =
    "_hurdle() { _ht=\"${TMPDIR:-/tmp}/.hurdle-channel-$$\"; "
    "(trap - INT; cd \"${HOME:-/}\" && exec sh -c \"$2\") </dev/null >\"$_ht.o\" 2>\"$_ht.e\"; "
    "_hs=$?; "
    "printf '\\n%s out\\n' \"$1\"; [ -s \"$_ht.o\" ] && base64 \"$_ht.o\"; "
    "printf '%s err\\n' \"$1\"; [ -s \"$_ht.e\" ] && base64 \"$_ht.e\"; "
    "printf '%s status %s\\n' \"$1\" \"$_hs\"; : >\"$_ht.o\"; : >\"$_ht.e\"; }; ";

// `command` as one word of a shell line: single-quoted when it is one line of printable text
// (what almost every command is: nothing to decode), else base64 decoded in the guest.
std::string shell_word(const std::string& command) {
  const bool plain = std::none_of(command.begin(), command.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
  if (!plain) return "\"$(printf %s '" + base64_encode(command) + "' | base64 -d)\"";
  std::string word = "'";
  for (const char c : command) {
    if (c == '\'')
      word += "'\\''";
    else
      word += c;
  }
  return word + "'";
}

}  // namespace

CommandChannel::CommandChannel(UniqueFd socket, CommandChannelOptions options)
    : socket_(std::move(socket)),
      options_(std::move(options)),
      log_(options_.log_file, LogFile::Stamp::kLocalTime),
      random_(std::random_device{}()) {
  for (const auto& s : options_.secrets) log_.add_secret(s);
}

std::string CommandChannel::next_nonce() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string nonce = "hurdle-";
  for (int part = 0; part < 2; ++part) {
    std::uint64_t v = random_();
    for (int i = 0; i < 16; ++i, v >>= 4) nonce += kHex[v & 15];
  }
  return nonce;
}

void CommandChannel::send(const std::string& line) {
  std::string_view rest = line;
  while (!rest.empty()) {
    // A socket (QEMU's port) without SIGPIPE; a terminal (the unit tests' pty) as a file.
    ssize_t n = ::send(socket_.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) n = ::write(socket_.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw ConsoleError(options_.machine +
                         ": writing to the command channel: " + std::strerror(errno));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::optional<std::size_t> CommandChannel::read_some(std::span<char> buffer,
                                                     Clock::time_point deadline) {
  for (;;) {
    const int ready = wait_readable(socket_.get(), options_.abort_fd, deadline);
    if (ready == 0) return std::nullopt;
    if (ready < 0) {
      if (options_.on_closed) options_.on_closed();
      throw ConsoleError(options_.machine + ": QEMU ended while the command channel was used");
    }
    const ssize_t n = ::read(socket_.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      usable_ = false;
      closed_ = true;
      why_unusable_ = "its socket closed";
      return 0;
    }
    return static_cast<std::size_t>(n);
  }
}

bool CommandChannel::read_reply(ChannelReply& reply, Clock::time_point deadline) {
  std::array<char, 64 * 1024> buffer{};
  while (!reply.done()) {
    const auto n = read_some(buffer, deadline);
    if (!n) return false;
    if (*n == 0) {
      if (options_.on_closed) options_.on_closed();
      throw ConsoleError(options_.machine + ": the command channel closed " + reply.progress());
    }
    reply.feed(std::string_view(buffer.data(), *n));
  }
  return true;
}

bool CommandChannel::answers(std::chrono::milliseconds timeout, bool defined) {
  std::lock_guard lock(mutex_);
  return answers_locked(timeout, defined);
}

bool CommandChannel::answers_locked(std::chrono::milliseconds timeout, bool defined) {
  if (!usable_) return false;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  const std::string nonce = next_nonce();
  // Builtins only (no process is started): the round trip a clone's first command pays.
  const std::string question = std::string(defined ? "" : kDefinition) +
                               "if command -v base64 >/dev/null 2>&1; then echo '" + nonce +
                               " alive'; else echo '" + nonce + " no-base64'; fi\n";
  LineBuffer lines(256);  // the answer is short: longer lines are not it
  std::optional<bool> has_base64;
  std::array<char, 4096> buffer{};
  while (!has_base64) {
    send(question);
    const auto retry_at = std::min(deadline, Clock::now() + std::chrono::seconds(1));
    while (!has_base64) {
      const auto n = read_some(buffer, retry_at);
      if (!n) break;
      if (*n == 0) return false;
      lines.feed(
          std::string_view(buffer.data(), *n),
          [&](std::string_view line) {
            if (line == nonce + " alive") has_base64 = true;
            if (line == nonce + " no-base64") has_base64 = false;
          },
          [](std::size_t) {});
    }
    if (!has_base64 && Clock::now() >= deadline) break;
  }
  if (has_base64 && *has_base64) {
    proven_ = true;
    log_.write("the shell answered after " + seconds_text(Clock::now() - start));
    return true;
  }
  if (has_base64) {
    usable_ = false;
    why_unusable_ = "the guest's shell has no base64";
    log_.write("not used: " + why_unusable_);
    return false;
  }
  usable_ = false;
  why_unusable_ = "its shell did not answer within " + seconds_text(timeout);
  log_.write("not used: " + why_unusable_);
  return false;
}

ChannelResult CommandChannel::run(const std::string& command, std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  if (!proven_) answers_locked(std::chrono::seconds(10), false);
  if (!usable_)
    throw ConsoleError(options_.machine + ": the command channel is not usable: " + why_unusable_);
  const auto start = Clock::now();
  const std::string nonce = next_nonce();
  log_.write("$ " + command);
  ChannelReply reply(nonce);
  send("_hurdle " + nonce + " " + shell_word(command) + "\n");
  if (!read_reply(reply, start + timeout)) {
    send("\x03");  // SIGINT to the command, through the terminal's isig
    const bool ended = read_reply(reply, Clock::now() + options_.interrupt_grace);
    if (!ended) {
      usable_ = false;
      why_unusable_ = "a command that timed out did not end on Ctrl-C";
    }
    log_.write("  timed out after " + seconds_text(timeout) +
               (ended ? "; interrupted" : "; it did not end on Ctrl-C: the channel is given up"));
    throw TimeoutError(options_.machine + ": `" + command + "` did not finish within " +
                       seconds_text(timeout) + " on the command channel" +
                       (ended ? "; it was interrupted (Ctrl-C)"
                              : "; it did not end on Ctrl-C, and the channel is given up"));
  }
  ChannelResult result = reply.result();
  log_.write("  status " + std::to_string(result.exit_status) + " after " +
             seconds_text(Clock::now() - start) + ", " + std::to_string(result.out_bytes) +
             " bytes of stdout, " + std::to_string(result.err_bytes) + " of stderr" +
             (reply.before_bytes() > 0
                  ? "; before the reply came " + std::to_string(reply.before_bytes()) +
                        " other bytes:\n" + reply.before()
                  : ""));
  return result;
}

bool CommandChannel::send_going_down(const std::string& command) {
  std::lock_guard lock(mutex_);
  if (!usable_ || !proven_) return false;
  log_.write("$ " + command + " (the guest goes down: not waited for)");
  send("_hurdle " + next_nonce() + " " + shell_word(command) + "\n");
  proven_ = false;
  return true;
}

bool CommandChannel::usable() const {
  std::lock_guard lock(mutex_);
  return usable_;
}

bool CommandChannel::proven() const {
  std::lock_guard lock(mutex_);
  return proven_;
}

void CommandChannel::forget() {
  std::lock_guard lock(mutex_);
  proven_ = false;
  if (closed_) return;
  usable_ = true;
  why_unusable_.clear();
}

}  // namespace hurdle
