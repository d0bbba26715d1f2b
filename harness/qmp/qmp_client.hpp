// A client for QEMU's machine protocol (QMP) over a connected socket. A reader thread matches
// replies to commands by id and keeps asynchronous events in a queue that wait_for_event()
// searches. Every message in both directions is written to a transcript file (qmp.log).
// Thread-safe: commands may be issued from several threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/line_buffer.hpp"
#include "core/log_file.hpp"
#include "core/socket_reader.hpp"
#include "core/unique_fd.hpp"

namespace hurdle {

class QmpClient {
 public:
  using Json = nlohmann::json;
  // Called by a waiting thread that finds the connection closed; may throw a more precise
  // error (Machine throws QemuError with QEMU's exit status and the tail of qemu.log).
  using ClosedHandler = std::function<void()>;
  // Called on the reader thread with each asynchronous event as it arrives, before it is
  // queued for wait_for_event(); must not wait for QMP (Machine stops QEMU there when a disk
  // ran out of space and QEMU paused the guest).
  using EventHandler = std::function<void(const Json&)>;

  // Reads the greeting and negotiates capabilities within `timeout`.
  // `secrets` are shown as "********" in the transcript.
  QmpClient(UniqueFd socket, const std::filesystem::path& transcript,
            std::chrono::milliseconds timeout, ClosedHandler on_closed = {},
            const std::vector<std::string>& secrets = {}, EventHandler on_event = {});
  ~QmpClient();
  QmpClient(const QmpClient&) = delete;
  QmpClient& operator=(const QmpClient&) = delete;

  // Runs a command and returns its "return" value; throws QmpError with QEMU's error class and
  // text, or TimeoutError.
  Json execute(const std::string& command, const Json& arguments = Json::object(),
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Runs an HMP command line through human-monitor-command and returns its text output.
  std::string human(const std::string& command_line,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // For HMP commands that print nothing on success (savevm, loadvm, delvm): any output is an error.
  void human_silent(const std::string& command_line,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Waits for an event named `name` (for which `match` holds, if given) that arrived after
  // `since` (an event sequence number from event_mark()); returns the whole event and removes
  // it from the queue.
  Json wait_for_event(const std::string& name, const std::function<bool(const Json&)>& match,
                      std::chrono::milliseconds timeout, std::uint64_t since = 0);
  // The sequence number of the next event to arrive: wait_for_event(..., mark) then only sees
  // events that came after this call.
  [[nodiscard]] std::uint64_t event_mark() const;

  [[nodiscard]] const Json& greeting() const { return greeting_; }
  // "7.2.22", from the greeting ("" if it had none).
  [[nodiscard]] std::string qemu_version() const;
  [[nodiscard]] bool closed() const;

 private:
  struct Event {
    std::uint64_t seq;
    Json body;
  };

  // The reader thread's side: bytes from QEMU, and the end of the stream.
  void take(std::string_view bytes);
  void end_of_stream();
  void handle_line(const std::string& line);
  void log(const char* direction, const std::string& text);
  void throw_closed(const std::string& waiting_for);

  UniqueFd socket_;
  ClosedHandler on_closed_;
  EventHandler on_event_;
  LogFile transcript_;
  std::mutex send_mutex_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Json> replies_;  // by id
  std::deque<Event> events_;
  std::uint64_t next_event_seq_ = 1;
  std::uint64_t next_id_ = 1;
  bool greeted_ = false;
  bool closed_ = false;
  Json greeting_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  // QMP replies are JSON lines; none is anywhere near 64 MiB (a query-block of many disks is
  // kilobytes). A longer one is dropped, with a note in qmp.log.
  LineBuffer lines_{64 * 1024 * 1024};
  std::unique_ptr<SocketReader> reader_;  // last: stopped before anything it uses goes
};

}  // namespace hurdle
