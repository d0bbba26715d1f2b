#include "core/unix_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace hurdle {

UnixListener::UnixListener(std::filesystem::path path) : path_(std::move(path)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path_.string();
  if (p.size() >= sizeof(addr.sun_path))
    throw HostError("socket path too long for a UNIX socket: " + p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd_.valid()) throw HostError(std::string("socket(AF_UNIX): ") + std::strerror(errno));
  if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd_.get(), 4) != 0) {
    throw HostError("cannot listen on " + p + ": " + std::strerror(errno));
  }
}

UnixListener::~UnixListener() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

UniqueFd UnixListener::accept_now() {
  UniqueFd conn(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn.valid()) throw HostError("accept on " + path_.string() + ": " + std::strerror(errno));
  return conn;
}

std::optional<UniqueFd> UnixListener::accept(std::chrono::milliseconds timeout, int stop_fd,
                                             bool& timed_out) {
  timed_out = false;
  const int ready = wait_readable(fd_.get(), stop_fd, std::chrono::steady_clock::now() + timeout);
  if (ready <= 0) {
    timed_out = ready == 0;
    return std::nullopt;
  }
  UniqueFd conn(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn.valid()) throw HostError("accept on " + path_.string() + ": " + std::strerror(errno));
  return conn;
}

int wait_readable(int fd, int stop_fd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    // A far deadline (time_point::max()) must not wrap around when narrowed to poll's int.
    const auto ms = std::clamp<std::int64_t>(left.count(), 0, std::numeric_limits<int>::max());
    const int n = ::poll(fds, stop_fd >= 0 ? 2 : 1, static_cast<int>(ms));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw HostError(std::string("poll: ") + std::strerror(errno));
    }
    if (n == 0) return 0;
    if (fds[0].revents != 0) return 1;
    return -1;
  }
}

bool write_fully(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void write_all(int fd, const char* data, std::size_t size, const char* what) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw HostError(std::string("cannot write to the ") + what + ": " + std::strerror(errno));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace hurdle
