// A real HTTP/1.0 service on 127.0.0.1 for tests, whose answers follow a script per path: a
// guest reaches it at 10.0.2.2 through QEMU's user-mode network. `/flaky` answering 503 and
// then 200 is a service that comes up late, which is what a scenario's `retries` are for.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/unique_fd.hpp"

namespace hurdle::test {

class ScriptedHttpService {
 public:
  // For each path, the statuses of its successive requests; the last one repeats. Any other
  // path gets 404.
  explicit ScriptedHttpService(std::map<std::string, std::vector<int>> script)
      : script_(std::move(script)) {
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (!listener_.valid() ||
        ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_.get(), 8) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("ScriptedHttpService: cannot listen on 127.0.0.1");
    port_ = ntohs(addr.sin_port);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("ScriptedHttpService: pipe");
    stop_read_.reset(fds[0]);
    stop_write_.reset(fds[1]);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedHttpService() {
    (void)::write(stop_write_.get(), "x", 1);
    thread_.join();
  }
  ScriptedHttpService(const ScriptedHttpService&) = delete;
  ScriptedHttpService& operator=(const ScriptedHttpService&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // How many requests `path` has had.
  [[nodiscard]] int requests(const std::string& path) const {
    std::lock_guard lock(mutex_);
    const auto it = served_.find(path);
    return it == served_.end() ? 0 : it->second;
  }

 private:
  void serve() {
    for (;;) {
      pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (client.valid()) answer(client.get());
    }
  }

  void answer(int fd) {
    std::string request;
    char buf[1024];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return;
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return;
      request.append(buf, static_cast<std::size_t>(n));
    }
    // "GET /path HTTP/1.1"
    const auto start = request.find(' ') + 1;
    const std::string path = request.substr(start, request.find(' ', start) - start);
    int status = 404;
    {
      std::lock_guard lock(mutex_);
      const int n = served_[path]++;
      if (const auto it = script_.find(path); it != script_.end() && !it->second.empty())
        status =
            it->second[std::min<std::size_t>(static_cast<std::size_t>(n), it->second.size() - 1)];
    }
    const std::string body = status == 200 ? "up\n" : "down\n";
    const std::string reply =
        "HTTP/1.0 " + std::to_string(status) + (status == 200 ? " OK" : " Unavailable") +
        "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    std::size_t done = 0;
    while (done < reply.size()) {
      const ssize_t n = ::write(fd, reply.data() + done, reply.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }

  std::map<std::string, std::vector<int>> script_;
  mutable std::mutex mutex_;
  std::map<std::string, int> served_;
  UniqueFd listener_, stop_read_, stop_write_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace hurdle::test
