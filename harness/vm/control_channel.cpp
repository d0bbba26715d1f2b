#include "vm/control_channel.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/unix_socket.hpp"

namespace hurdle {

ControlChannel ControlChannel::connect(const std::filesystem::path& socket) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = socket.string();
  if (p.size() >= sizeof(addr.sun_path)) throw ControlError("socket path too long: " + p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw ControlError(std::string("socket(AF_UNIX): ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw ControlError("the VM's supervisor does not answer on " + p + ": " + std::strerror(errno));
  return ControlChannel(std::move(fd));
}

void ControlChannel::send(const nlohmann::json& message) {
  // dump() escapes every control byte, so a message is one line whatever a string holds;
  // invalid UTF-8 (a guest's output) is replaced rather than thrown.
  const std::string line =
      message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  write_all(fd_.get(), line.data(), line.size(), "the VM control socket");
}

std::optional<nlohmann::json> ControlChannel::receive(
    std::chrono::steady_clock::time_point deadline, bool* timed_out) {
  if (timed_out != nullptr) *timed_out = false;
  for (;;) {
    if (const auto nl = pending_.find('\n'); nl != std::string::npos) {
      const std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (json.is_discarded() || !json.is_object())
        throw ControlError("the VM control socket: a message that is no JSON object");
      return json;
    }
    if (pending_.size() > kMaxLine)
      throw ControlError("the VM control socket: a message longer than " +
                         std::to_string(kMaxLine) + " bytes");
    const int ready = wait_readable(fd_.get(), -1, deadline);
    if (ready == 0) {
      if (timed_out != nullptr) *timed_out = true;
      return std::nullopt;
    }
    char buffer[65536];
    const ssize_t n = ::read(fd_.get(), buffer, sizeof buffer);  // a socket, or a pipe
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    pending_.append(buffer, static_cast<std::size_t>(n));
  }
}

nlohmann::json control_request(const std::filesystem::path& socket, const std::string& command,
                               const nlohmann::json& args, std::chrono::milliseconds timeout) {
  ControlChannel channel = ControlChannel::connect(socket);
  channel.send({{"command", command}, {"args", args}});
  bool timed_out = false;
  const auto reply = channel.receive(std::chrono::steady_clock::now() + timeout, &timed_out);
  if (!reply) {
    if (timed_out)
      throw TimeoutError("the VM's supervisor did not answer `" + command + "` within " +
                         std::to_string(timeout.count() / 1000) + " s");
    throw ControlError("the VM's supervisor closed the connection during `" + command +
                       "` (did it stop?)");
  }
  if (reply->value("ok", false)) return reply->value("result", nlohmann::json());
  throw_error_reply(*reply);
}

void throw_error_reply(const nlohmann::json& reply) {
  rethrow_as_kind(reply.value("kind", std::string("Error")),
                  reply.value("error", std::string("(no error text)")));
}

nlohmann::json error_reply(const std::exception& e) {
  const auto* error = dynamic_cast<const Error*>(&e);
  return {{"ok", false}, {"error", e.what()}, {"kind", error != nullptr ? error->kind() : "Error"}};
}

}  // namespace hurdle
