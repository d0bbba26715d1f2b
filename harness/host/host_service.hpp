// A service on the host for the guest to reach through QEMU's user network (which takes the
// guest's connections to 10.0.2.2 to the host's 127.0.0.1): a TCP listener on a free loopback
// port that answers every connection with a fixed reply and records what each one sent, so a
// test can check that the guest reached the host and what it asked. Used by the host.serve and
// host.expect steps; a C++ test may use it directly:
//
//   hurdle::HostService web({.name = "web"});
//   vm.succeed("wget -qO- http://10.0.2.2:" + std::to_string(web.port()) + "/probe");
//   web.wait_for_request(RE2("^GET /probe "), 10s);
//
// What the guest sends is hostile input: a request is kept up to kMaxRequestBytes, at most
// kMaxKeptRequests are kept (the rest are counted), and a client that does not finish its
// request within the connection time-out is answered anyway and dropped, so one stalled client
// holds the service up for that long at most. Nothing listens beyond 127.0.0.1.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <re2/re2.h>

#include "core/unique_fd.hpp"

namespace hurdle {

struct HostServiceOptions {
  // http: reads a request up to its blank line and answers "200 OK" with `reply` as a
  // text/plain body (what wget, curl and apt speak). line: reads up to the first newline and
  // answers `reply` as it is (for a shell's /dev/tcp or nc).
  enum class Protocol { kHttp, kLine };

  std::string name = "service";  // for logs and errors
  Protocol protocol = Protocol::kHttp;
  std::string reply = "hello from the host\n";
  // How long one client may take to send its request before it is answered anyway.
  std::chrono::milliseconds connection_timeout{std::chrono::seconds(10)};
  // One line per connection (machine.log); called on the service's thread.
  std::function<void(const std::string&)> log;
};

struct HostRequest {
  std::string text;       // what the client sent, up to kMaxRequestBytes (raw bytes)
  std::size_t bytes = 0;  // how much it sent in all
  bool complete = false;  // ended as the protocol says (a blank line, a newline), not cut
};

class HostService {
 public:
  static constexpr std::size_t kMaxRequestBytes = 64 * 1024;
  static constexpr std::size_t kMaxKeptRequests = 256;

  // Listens on 127.0.0.1 at a free port and starts answering. Throws hurdle::Error.
  explicit HostService(HostServiceOptions options);
  ~HostService();  // stops listening and joins the thread
  HostService(const HostService&) = delete;
  HostService& operator=(const HostService&) = delete;

  [[nodiscard]] const std::string& name() const { return options_.name; }
  [[nodiscard]] std::uint16_t port() const { return port_; }

  // Returns the first request kept so far (or arriving within `timeout`) that `pattern` finds
  // a match in; waits on the service's arrivals and on `stop_fd` (-1: none), never by polling.
  // Throws TimeoutError naming the service, how many requests came and the last one; returns
  // nothing when `stop_fd` fired first.
  [[nodiscard]] std::optional<HostRequest> wait_for_request(const RE2& pattern,
                                                            std::chrono::milliseconds timeout,
                                                            int stop_fd = -1) const;

  [[nodiscard]] std::vector<HostRequest> requests() const;
  [[nodiscard]] std::size_t connections() const;  // all of them, kept or not

 private:
  void serve();
  void answer(UniqueFd client);
  [[nodiscard]] std::string response() const;

  HostServiceOptions options_;
  UniqueFd listener_;
  UniqueFd stop_;     // eventfd: the destructor stops the thread with it
  UniqueFd arrived_;  // eventfd: a request was recorded (wakes wait_for_request)
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;  // guards requests_ and connections_
  std::vector<HostRequest> requests_;
  std::size_t connections_ = 0;
  std::thread thread_;  // last: started when everything above exists
};

}  // namespace hurdle
