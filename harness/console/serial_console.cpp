#include "console/serial_console.hpp"

#include <cerrno>

#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/unix_socket.hpp"

namespace hurdle {

namespace {

std::string indent_tail(const std::string& tail) {
  return tail.empty() ? "  (no output)" : "--- last console output ---\n" + tail + "\n--- end ---";
}
}  // namespace

SerialConsole::SerialConsole(UniqueFd socket, ConsoleOptions options)
    : options_(std::move(options)),
      socket_(std::move(socket)),
      secrets_(options_.secrets),
      buffer_(options_.limits) {
  if (!options_.transcript.empty())
    transcript_.open(options_.transcript, std::ios::app | std::ios::binary);
  if (!options_.raw_transcript.empty())
    raw_transcript_.open(options_.raw_transcript, std::ios::app | std::ios::binary);
  reader_ = std::make_unique<SocketReader>(
      socket_.get(), 64 * 1024,
      SocketReader::Callbacks{[this](std::string_view bytes) { take(bytes); },
                              [this] { return next_wake(); },
                              [this] {
                                if (auto hit = hit_to_report(std::chrono::steady_clock::now()))
                                  options_.on_watcher_hit(*hit);
                              },
                              [this] { end_of_stream(); }});
}

SerialConsole::~SerialConsole() { reader_.reset(); }

std::optional<WatcherHit> SerialConsole::hit_to_report(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto& hit = buffer_.watcher_hit();
  if (!hit || hit_reported_ || !options_.on_watcher_hit) return std::nullopt;
  if (!hit->line_complete && now < hit_seen_at_ + options_.watcher_line_grace) return std::nullopt;
  hit_reported_ = true;
  return *hit;
}

void SerialConsole::mirror_to(std::function<void(std::string_view)> sink) {
  std::lock_guard lock(mirror_mutex_);
  mirror_ = std::move(sink);
}

void SerialConsole::take(std::string_view bytes) {
  {
    std::lock_guard lock(mirror_mutex_);
    if (mirror_) mirror_(bytes);
  }
  if (raw_transcript_.is_open()) {
    raw_log_.write(bytes);
    raw_transcript_.flush();
  }
  std::string clean;
  std::lock_guard lock(mutex_);
  filter_.feed(bytes, clean);
  const bool had_hit = buffer_.watcher_hit().has_value();
  buffer_.append(clean);
  if (!had_hit && buffer_.watcher_hit()) hit_seen_at_ = std::chrono::steady_clock::now();
  if (transcript_.is_open()) {
    clean_log_.write(clean);
    transcript_.flush();
  }
  changed_.notify_all();
}

std::chrono::steady_clock::time_point SerialConsole::next_wake() const {
  // The end of a pending hit's grace: it is reported then even if nothing more comes.
  std::lock_guard lock(mutex_);
  if (buffer_.watcher_hit() && !hit_reported_ && options_.on_watcher_hit)
    return hit_seen_at_ + options_.watcher_line_grace;
  return std::chrono::steady_clock::time_point::max();
}

void SerialConsole::end_of_stream() {
  raw_log_.finish();
  clean_log_.finish();
  raw_transcript_.flush();
  transcript_.flush();
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

void SerialConsole::fail_closed(std::unique_lock<std::mutex>& lock,
                                const std::string& waiting_for) {
  const std::string tail = buffer_.tail(2048);
  lock.unlock();
  if (options_.on_closed) options_.on_closed();
  throw ConsoleError(options_.machine_name + ": the console closed while waiting for " +
                     waiting_for + "\n" + indent_tail(tail));
}

ExpectMatch SerialConsole::expect(const std::vector<std::string>& patterns,
                                  std::chrono::milliseconds timeout) {
  ExpectScan scan(patterns);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    auto match = buffer_.search(scan);
    const auto& hit = buffer_.watcher_hit();
    // A match that starts no later than the watcher's hit wins (expecting the panic itself works).
    if (match && (!hit || buffer_.consumed_offset() - match->text.size() <= hit->offset))
      return std::move(*match);
    auto wake_at = deadline;
    if (hit) {
      const auto grace_end = hit_seen_at_ + options_.watcher_line_grace;
      if (hit->line_complete || closed_ || std::chrono::steady_clock::now() >= grace_end) {
        throw ConsoleError(options_.machine_name + ": " + hit->name +
                           " seen on the console while waiting for " + scan.patterns.describe() +
                           ": " + hit->line);
      }
      wake_at = std::min(deadline, grace_end);
    } else if (closed_) {
      fail_closed(lock, scan.patterns.describe());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw TimeoutError(options_.machine_name + ": waited " + seconds_text(timeout) + " for " +
                         scan.patterns.describe() + " on the console\n" +
                         indent_tail(buffer_.tail(2048)));
    }
    changed_.wait_until(lock, wake_at);
  }
}

WatcherHit SerialConsole::wait_for_watcher(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (const auto& hit = buffer_.watcher_hit()) {
      if (hit->line_complete || closed_ ||
          std::chrono::steady_clock::now() >= hit_seen_at_ + options_.watcher_line_grace) {
        return *hit;
      }
      changed_.wait_until(lock, std::min(deadline, hit_seen_at_ + options_.watcher_line_grace));
      continue;
    }
    if (closed_) fail_closed(lock, "a watcher to fire");
    if (std::chrono::steady_clock::now() >= deadline) {
      throw TimeoutError(options_.machine_name + ": no watcher fired within " +
                         seconds_text(timeout) + "\n" + indent_tail(buffer_.tail(2048)));
    }
    changed_.wait_until(lock, deadline);
  }
}

void SerialConsole::send(std::string_view text) {
  std::lock_guard lock(send_mutex_);
  ++sends_;
  try {
    write_all(socket_.get(), text.data(), text.size(), "console");
  } catch (const Error& e) {
    std::unique_lock state(mutex_);
    if (closed_ || errno == EPIPE) fail_closed(state, "input to be sent");
    throw ConsoleError(options_.machine_name + ": " + e.what());
  }
}

void SerialConsole::sendline(std::string_view line) {
  std::string text(line);
  text += options_.line_ending;
  send(text);
}

void SerialConsole::add_watcher(const std::string& name, const std::string& pattern) {
  std::lock_guard lock(mutex_);
  buffer_.add_watcher(name, pattern);
}

void SerialConsole::clear_watcher_hit() {
  std::lock_guard lock(mutex_);
  buffer_.clear_watcher_hit();
  hit_reported_ = false;
}

std::optional<WatcherHit> SerialConsole::watcher_hit() const {
  std::lock_guard lock(mutex_);
  return buffer_.watcher_hit();
}

void SerialConsole::discard_pending_output() {
  std::lock_guard lock(mutex_);
  buffer_.discard_unconsumed();
}

std::string SerialConsole::tail(std::size_t bytes) const {
  std::lock_guard lock(mutex_);
  return buffer_.tail(bytes);
}

std::uint64_t SerialConsole::bytes_received() const {
  std::lock_guard lock(mutex_);
  return buffer_.end_offset();
}

bool SerialConsole::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace hurdle
