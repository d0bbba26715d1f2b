// The serial console of a machine: a reader thread takes bytes from QEMU's console socket,
// strips escape sequences into the matching view, checks watchers on every byte and wakes
// waiters. expect() waits for RE2 patterns with a deadline and fails at once when a watcher
// (e.g. "panic ") fires or QEMU goes away. Used through Machine::console().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "console/ansi_filter.hpp"
#include "console/expect_buffer.hpp"
#include "core/secret_mask.hpp"
#include "core/socket_reader.hpp"
#include "core/unique_fd.hpp"

namespace hurdle {

struct ConsoleOptions {
  std::string machine_name = "machine";  // for messages
  std::filesystem::path transcript;      // clean text is appended here (console.txt)
  std::filesystem::path raw_transcript;  // and every byte as it came (console.log)
  std::vector<std::string> secrets;      // shown as "********" in both
  ExpectBuffer::Limits limits;
  std::string shell_prompt = R"([#$] $)";  // for expect_prompt()
  std::string line_ending = "\n";          // what sendline() appends
  // How long a fired watcher waits for the rest of its line before failing the wait.
  std::chrono::milliseconds watcher_line_grace{250};
  // Called by a waiting thread that finds the console closed; may throw a more precise error.
  std::function<void()> on_closed;
  // Called once per watcher hit, from the reader thread, as soon as the hit's line is complete
  // (or the grace above has passed): the machine stops QEMU there, since a panicked GNU Mach
  // busy-waits for 1000 s. Must not wait for the console.
  std::function<void(const WatcherHit&)> on_watcher_hit;
};

class SerialConsole {
 public:
  SerialConsole(UniqueFd socket, ConsoleOptions options);
  ~SerialConsole();
  SerialConsole(const SerialConsole&) = delete;
  SerialConsole& operator=(const SerialConsole&) = delete;

  // Waits until one of `patterns` matches the output not consumed yet, and consumes through
  // the match. Throws TimeoutError (with the last 2 KB of output), ConsoleError when a watcher
  // fires first, or whatever on_closed throws when the console closes.
  ExpectMatch expect(const std::vector<std::string>& patterns, std::chrono::milliseconds timeout);
  ExpectMatch expect(const std::string& pattern, std::chrono::milliseconds timeout) {
    return expect(std::vector<std::string>{pattern}, timeout);
  }
  ExpectMatch expect_prompt(std::chrono::milliseconds timeout) {
    return expect(options_.shell_prompt, timeout);
  }
  // The pattern expect_prompt() waits for.
  [[nodiscard]] const std::string& prompt_pattern() const { return options_.shell_prompt; }

  void send(std::string_view text);
  void sendline(std::string_view line);
  // How many times anything was sent: a machine that saw the shell's prompt after the Nth
  // send knows the shell still waits there while the count is N.
  [[nodiscard]] std::uint64_t sends() const { return sends_; }

  // Watchers: checked on all output from now on. A hit fails any wait in progress or to come,
  // until clear_watcher_hit().
  void add_watcher(const std::string& name, const std::string& pattern);
  // Waits for a watcher to fire (for tests and scenarios that expect a panic).
  WatcherHit wait_for_watcher(std::chrono::milliseconds timeout);
  void clear_watcher_hit();
  [[nodiscard]] std::optional<WatcherHit> watcher_hit() const;
  // Forgets output not consumed yet (after the machine is restored to a snapshot).
  void discard_pending_output();

  // Hands every byte QEMU sends from now on, as it came, to `sink` (on the reader thread; it
  // must not wait for the console), until mirror_to({}): a person's terminal attached to the
  // console (`hurdle resume`). Matching, watchers and the logs go on as before.
  void mirror_to(std::function<void(std::string_view)> sink);

  [[nodiscard]] std::string tail(std::size_t bytes = 2048) const;
  [[nodiscard]] std::uint64_t bytes_received() const;
  [[nodiscard]] bool closed() const;

 private:
  // The reader thread's side: a piece from QEMU, when to wake, the end of the stream.
  void take(std::string_view bytes);
  [[nodiscard]] std::chrono::steady_clock::time_point next_wake() const;
  void end_of_stream();
  // The hit to hand to on_watcher_hit now, if its line is complete or its grace is over.
  std::optional<WatcherHit> hit_to_report(std::chrono::steady_clock::time_point now);
  [[noreturn]] void fail_closed(std::unique_lock<std::mutex>& lock, const std::string& waiting_for);

  ConsoleOptions options_;
  UniqueFd socket_;
  SecretMask secrets_;
  std::ofstream transcript_;
  std::ofstream raw_transcript_;
  MaskedStream clean_log_{secrets_, transcript_};
  MaskedStream raw_log_{secrets_, raw_transcript_};
  std::mutex send_mutex_;
  std::atomic<std::uint64_t> sends_{0};
  std::mutex mirror_mutex_;  // guards mirror_
  std::function<void(std::string_view)> mirror_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  AnsiFilter filter_;
  ExpectBuffer buffer_;
  std::chrono::steady_clock::time_point hit_seen_at_{};
  bool hit_reported_ = false;  // on_watcher_hit was called for the current hit
  bool closed_ = false;
  std::unique_ptr<SocketReader> reader_;  // last: stopped before anything it uses goes
};

}  // namespace hurdle
