// The one reader thread for a socket hurdle listens to (the serial console, QMP): it reads
// until the peer closes, an error ends it, or its owner stops it (an eventfd, so no read is
// ever left blocked), hands each piece to on_data, wakes its owner at wake_at() even when
// nothing comes, and calls on_end once when reading is over. Stopped and joined by its
// destructor: declare it last in its owner, so that it goes first.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>
#include <thread>

#include "core/unique_fd.hpp"

namespace hurdle {

class SocketReader {
 public:
  struct Callbacks {
    std::function<void(std::string_view)> on_data;  // each piece read, in order
    // When to be woken without data (time_point::max(): only for data); asked before each wait.
    std::function<std::chrono::steady_clock::time_point()> wake_at;
    std::function<void()> on_wake;  // after each wait, data or not
    std::function<void()> on_end;   // once: end of stream, an error, or stop()
  };

  SocketReader(int fd, std::size_t piece_size, Callbacks callbacks);
  ~SocketReader();
  SocketReader(const SocketReader&) = delete;
  SocketReader& operator=(const SocketReader&) = delete;

  void stop();  // idempotent; returns once the thread has ended

 private:
  void run();

  int fd_;
  std::size_t piece_size_;
  Callbacks callbacks_;
  UniqueFd stop_event_;
  std::thread thread_;
};

}  // namespace hurdle
