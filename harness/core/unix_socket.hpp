// A listening UNIX stream socket whose accept() waits on a deadline and gives up early when a
// "stop" descriptor becomes readable (hurdle passes QEMU's exit notification), so a QEMU that
// dies at start-up is reported at once instead of after the time-out.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string_view>

#include "core/unique_fd.hpp"

namespace hurdle {

class UnixListener {
 public:
  explicit UnixListener(std::filesystem::path path);
  ~UnixListener();
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;

  // The accepted connection, or nullopt when `stop_fd` became readable or time ran out
  // (`timed_out` tells which).
  [[nodiscard]] std::optional<UniqueFd> accept(std::chrono::milliseconds timeout, int stop_fd,
                                               bool& timed_out);
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // The listening descriptor, for an owner that polls it with other sources.
  [[nodiscard]] int fd() const { return fd_.get(); }
  // Accepts a connection that is waiting now (after fd() polled readable).
  [[nodiscard]] UniqueFd accept_now();

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
};

// Waits until `fd` is readable or `stop_fd` is, or the deadline passes. Returns 1 when fd is
// readable, 0 on time-out, -1 when stop_fd fired. Retries on EINTR.
int wait_readable(int fd, int stop_fd, std::chrono::steady_clock::time_point deadline);

// Writes all of `bytes` to any descriptor (a pipe, a terminal: write(2), retried on EINTR);
// false when the reader went away first. What a lost reader loses is not an error.
bool write_fully(int fd, std::string_view bytes);

// Writes all of `data` (MSG_NOSIGNAL); throws hurdle::Error naming `what` on failure.
void write_all(int fd, const char* data, std::size_t size, const char* what);

}  // namespace hurdle
