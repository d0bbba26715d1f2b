// The control protocol of a detached VM: one JSON object per line each way on the supervisor's
// UNIX socket. A request is {"command": NAME, "args": {...}}; its reply {"ok": true, "result":
// ...} or {"ok": false, "error": TEXT, "kind": "ConfigError"|"TimeoutError"|...}. The one
// exception, `console`, turns the connection into a byte stream both ways after its reply.
// Lines are bounded (a peer cannot make the other side hold more than kMaxLine).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/unique_fd.hpp"

namespace hurdle {

class ControlChannel {
 public:
  static constexpr std::size_t kMaxLine = 4 * 1024 * 1024;

  explicit ControlChannel(UniqueFd fd) : fd_(std::move(fd)) {}
  // Connects to a supervisor's socket; throws Error naming it when nobody answers there.
  static ControlChannel connect(const std::filesystem::path& socket);

  void send(const nlohmann::json& message);
  // The next message, or nullopt when the peer closed (or the deadline passed: `timed_out`).
  // Throws Error on a line that is not JSON or too long.
  std::optional<nlohmann::json> receive(std::chrono::steady_clock::time_point deadline,
                                        bool* timed_out = nullptr);
  // Bytes read past the last message (the start of a console stream).
  [[nodiscard]] std::string take_pending() { return std::exchange(pending_, {}); }
  [[nodiscard]] int fd() const { return fd_.get(); }
  UniqueFd release() { return std::move(fd_); }

 private:
  UniqueFd fd_;
  std::string pending_;
};

// A request and its reply on a new connection: the result, or the supervisor's error thrown
// again as its kind (ConfigError, TimeoutError, QemuError, ... else Error).
nlohmann::json control_request(const std::filesystem::path& socket, const std::string& command,
                               const nlohmann::json& args, std::chrono::milliseconds timeout);

// The reply for an exception a handler threw, with its kind.
nlohmann::json error_reply(const std::exception& e);
// The other way: an error reply thrown again as its kind, every kind of core/error.hpp's tree
// (rethrow_as_kind); an unknown one as Error.
[[noreturn]] void throw_error_reply(const nlohmann::json& reply);

}  // namespace hurdle
