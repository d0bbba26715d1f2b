// A listening TCP socket on 127.0.0.1 at a free port, and a way to stop the thread that
// serves it: what every test server here starts with.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>

#include "core/unique_fd.hpp"

namespace hurdle::test {

class LoopbackListener {
 public:
  LoopbackListener() {
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (!listener_.valid() ||
        ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_.get(), 16) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("cannot listen on 127.0.0.1");
    port_ = ntohs(addr.sin_port);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    stop_read_.reset(fds[0]);
    stop_write_.reset(fds[1]);
  }

  [[nodiscard]] int port() const { return port_; }
  // The next client, or nullopt once stop() was called.
  std::optional<UniqueFd> next_client() {
    for (;;) {
      pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return std::nullopt;
      UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (client.valid()) return client;
    }
  }
  // Makes next_client() return nullopt, from any thread.
  void stop() { (void)::write(stop_write_.get(), "x", 1); }

 private:
  UniqueFd listener_, stop_read_, stop_write_;
  int port_ = 0;
};

}  // namespace hurdle::test
