#include "host/host_service.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/safe_text.hpp"
#include "core/unix_socket.hpp"

namespace hurdle {

namespace {

using Clock = std::chrono::steady_clock;

UniqueFd event_fd() {
  UniqueFd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd.valid()) throw HostError(std::string("eventfd: ") + std::strerror(errno));
  return fd;
}

void signal_event(int fd) {
  const std::uint64_t one = 1;
  (void)::write(fd, &one, sizeof one);
}

void drain_event(int fd) {
  std::uint64_t count = 0;
  (void)::read(fd, &count, sizeof count);
}

// Whether `text` holds a whole request of `protocol`: an HTTP request ends at its blank line, a
// line at its newline.
bool request_complete(const std::string& text, HostServiceOptions::Protocol protocol) {
  if (protocol == HostServiceOptions::Protocol::kLine) return text.find('\n') != std::string::npos;
  return text.find("\r\n\r\n") != std::string::npos || text.find("\n\n") != std::string::npos;
}

// The first line of a request, made safe, for logs and errors.
std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return safe_text(utf8_head(line, 200));
}

}  // namespace

HostService::HostService(HostServiceOptions options)
    : options_(std::move(options)), stop_(event_fd()), arrived_(event_fd()) {
  listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener_.valid()) throw HostError(std::string("socket(): ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // the guest comes through QEMU, on loopback
  socklen_t len = sizeof addr;
  if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_.get(), 16) != 0 ||
      ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw HostError("host service " + options_.name +
                    ": cannot listen on 127.0.0.1: " + std::strerror(errno));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HostService::~HostService() {
  signal_event(stop_.get());
  if (thread_.joinable()) thread_.join();
}

void HostService::serve() {
  for (;;) {
    const int ready = wait_readable(listener_.get(), stop_.get(), Clock::time_point::max());
    if (ready < 0) return;  // stopped
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client.valid()) continue;  // the client gave up between poll and accept
    answer(std::move(client));
  }
}

void HostService::answer(UniqueFd client) {
  HostRequest request;
  const auto deadline = Clock::now() + options_.connection_timeout;
  std::string why = "complete";
  char buffer[16 * 1024];
  while (!request.complete) {
    const int ready = wait_readable(client.get(), stop_.get(), deadline);
    if (ready < 0) return;  // the service is stopping
    if (ready == 0) {
      why = "no complete request within " + seconds_text(options_.connection_timeout);
      break;
    }
    const ssize_t n = ::recv(client.get(), buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      why = n == 0 ? "closed before a complete request" : std::string(std::strerror(errno));
      break;
    }
    request.bytes += static_cast<std::size_t>(n);
    const std::size_t room = kMaxRequestBytes - request.text.size();
    request.text.append(buffer, std::min(room, static_cast<std::size_t>(n)));
    request.complete = request_complete(request.text, options_.protocol);
    if (!request.complete && request.text.size() >= kMaxRequestBytes) {
      why = "longer than " + std::to_string(kMaxRequestBytes) + " bytes: cut";
      break;
    }
  }
  const std::string summary =
      std::to_string(request.bytes) + " bytes, " + why + ": '" + first_line(request.text) + "'";
  // Recorded before the reply goes out: a client that has read its answer must find its
  // request in requests() (a test, or a scenario's next step, looks right after).
  {
    std::lock_guard lock(mutex_);
    ++connections_;
    if (requests_.size() < kMaxKeptRequests) requests_.push_back(std::move(request));
  }
  signal_event(arrived_.get());
  const std::string reply = response();
  std::string reply_failure;
  try {
    write_all(client.get(), reply.data(), reply.size(), "guest's connection");
  } catch (const Error& e) {
    reply_failure = std::string("; the reply was not sent: ") + e.what();
  }
  ::shutdown(client.get(), SHUT_WR);
  if (options_.log) {
    options_.log("host service " + options_.name + " (127.0.0.1:" + std::to_string(port_) +
                 "): " + summary + reply_failure);
  }
}

std::string HostService::response() const {
  if (options_.protocol == HostServiceOptions::Protocol::kLine) return options_.reply;
  return "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(options_.reply.size()) + "\r\nConnection: close\r\n\r\n" + options_.reply;
}

std::optional<HostRequest> HostService::wait_for_request(const RE2& pattern,
                                                         std::chrono::milliseconds timeout,
                                                         int stop_fd) const {
  const auto deadline = Clock::now() + timeout;
  std::size_t seen = 0;  // requests already matched against
  for (;;) {
    // Drained before looking, so that a request recorded after the look wakes the wait.
    drain_event(arrived_.get());
    {
      std::lock_guard lock(mutex_);
      for (; seen < requests_.size(); ++seen) {
        if (RE2::PartialMatch(requests_[seen].text, pattern)) return requests_[seen];
      }
    }
    const int ready = wait_readable(arrived_.get(), stop_fd, deadline);
    if (ready < 0) return std::nullopt;
    if (ready == 0) break;
  }
  std::lock_guard lock(mutex_);
  std::string what = "host service " + options_.name + " (127.0.0.1:" + std::to_string(port_) +
                     "): no request matching '" + pattern.pattern() + "' within " +
                     seconds_text(timeout) + "; " + std::to_string(connections_) +
                     " connection(s) came";
  if (!requests_.empty()) what += ", the last one sent '" + first_line(requests_.back().text) + "'";
  throw TimeoutError(what);
}

std::vector<HostRequest> HostService::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t HostService::connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

}  // namespace hurdle
