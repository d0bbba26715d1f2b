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
#include "support/loopback_listener.hpp"

namespace hurdle::test {

class ScriptedHttpService {
 public:
  // For each path, the statuses of its successive requests; the last one repeats. Any other
  // path gets 404.
  explicit ScriptedHttpService(std::map<std::string, std::vector<int>> script)
      : script_(std::move(script)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedHttpService() {
    listener_.stop();
    thread_.join();
  }
  ScriptedHttpService(const ScriptedHttpService&) = delete;
  ScriptedHttpService& operator=(const ScriptedHttpService&) = delete;

  [[nodiscard]] int port() const { return listener_.port(); }
  // How many requests `path` has had.
  [[nodiscard]] int requests(const std::string& path) const {
    std::lock_guard lock(mutex_);
    const auto it = served_.find(path);
    return it == served_.end() ? 0 : it->second;
  }

 private:
  void serve() {
    while (auto client = listener_.next_client()) answer(client->get());
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
  LoopbackListener listener_;
  std::thread thread_;
};

}  // namespace hurdle::test
