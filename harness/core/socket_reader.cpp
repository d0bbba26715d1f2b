#include "core/socket_reader.hpp"

#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "core/unix_socket.hpp"

namespace hurdle {

SocketReader::SocketReader(int fd, std::size_t piece_size, Callbacks callbacks)
    : fd_(fd),
      piece_size_(piece_size),
      callbacks_(std::move(callbacks)),
      stop_event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  thread_ = std::thread([this] { run(); });
}

SocketReader::~SocketReader() { stop(); }

void SocketReader::stop() {
  const std::uint64_t one = 1;
  (void)::write(stop_event_.get(), &one, sizeof one);
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void SocketReader::run() {
  using Clock = std::chrono::steady_clock;
  std::string piece(piece_size_, '\0');
  for (;;) {
    const auto wake = callbacks_.wake_at ? callbacks_.wake_at() : Clock::time_point::max();
    const int ready = wait_readable(fd_, stop_event_.get(), wake);
    if (ready < 0) break;
    if (ready > 0) {
      const ssize_t n = ::recv(fd_, piece.data(), piece.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      callbacks_.on_data(std::string_view(piece.data(), static_cast<std::size_t>(n)));
    }
    if (callbacks_.on_wake) callbacks_.on_wake();
  }
  if (callbacks_.on_end) callbacks_.on_end();
}

}  // namespace hurdle
