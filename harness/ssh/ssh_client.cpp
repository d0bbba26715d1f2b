#include "ssh/ssh_client.hpp"

#include <algorithm>

#include <re2/re2.h>

#include "core/backoff.hpp"
#include "core/duration_text.hpp"
#include "core/time_left.hpp"
#include "core/unix_socket.hpp"

namespace hurdle {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

SshClient::SshClient(SshClientOptions options)
    : options_(std::move(options)), log_(options_.log_file), pin_(options_.host_key_file) {
  if (options_.auth.method == SshAuth::Method::kPassword) log_.add_secret(options_.auth.password);
}

bool SshClient::connected() const {
  std::lock_guard lock(mutex_);
  return session_ && session_->usable();
}

void SshClient::disconnect(const std::string& why) {
  std::shared_ptr<SshSession> old;
  {
    std::lock_guard lock(mutex_);
    old.swap(session_);
  }
  if (old) log_.line("session dropped: " + why);
}

std::shared_ptr<SshSession> SshClient::session_within(Clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    if (session_ && session_->usable()) return session_;
  }
  // Threads that find no session wait here while one of them connects, then take its session.
  std::lock_guard connecting(connect_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (session_ && session_->usable()) return session_;
  }
  const auto start = Clock::now();
  Backoff backoff(std::chrono::milliseconds(100), std::chrono::seconds(2));
  std::string last_error;
  for (int attempt = 1;; ++attempt) {
    if (options_.check_alive) options_.check_alive();
    try {
      // Each attempt may take at most what is left (and at least a second, libssh's unit).
      auto session = std::make_shared<SshSession>(
          options_.machine, options_.endpoint, options_.auth, pin_, log_,
          std::clamp(time_left(deadline), std::chrono::milliseconds(1000),
                     std::chrono::milliseconds(10'000)));
      const auto probe = session->run(
          options_.ready_command, std::max(time_left(deadline), std::chrono::milliseconds(1000)));
      if (probe.exit_status != 0)
        throw SshError(options_.machine + ": `" + options_.ready_command +
                       "` came back with status " + std::to_string(probe.exit_status));
      if (!options_.ready_output.empty()) {
        std::string out = probe.out;
        if (!out.empty() && out.back() == '\n') out.pop_back();
        if (!RE2::FullMatch(out, RE2(options_.ready_output)))
          throw SshNotReady(options_.machine + ": `" + options_.ready_command + "` printed '" +
                            out.substr(0, 200) + "', expected '" + options_.ready_output +
                            "': the guest that answers is not the one the profile describes");
      }
      log_.line("ready after " + std::to_string(attempt) + " attempt(s), " +
                seconds_text(Clock::now() - start));
      std::lock_guard lock(mutex_);
      session_ = session;
      return session;
    } catch (const HostKeyChanged&) {
      throw;  // waiting will not make it right
    } catch (const SshNotReady&) {
      throw;
    } catch (const Error& e) {
      last_error = e.what();
    }
    const auto pause = backoff.next();
    if (Clock::now() + pause >= deadline) {
      throw SshTimeoutError(options_.machine + ": SSH to " + options_.endpoint.host + ":" +
                            std::to_string(options_.endpoint.port) +
                            " did not answer a command within " +
                            seconds_text(Clock::now() - start) + " (" + std::to_string(attempt) +
                            " attempts); last error: " + last_error);
    }
    // Wait out the back-off, or stop at once if QEMU exits meanwhile.
    if (wait_readable(options_.abort_fd, -1, Clock::now() + pause) > 0 && options_.check_alive)
      options_.check_alive();
  }
}

std::chrono::milliseconds SshClient::wait_until_ready(std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  session_within(start + timeout);
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

template <typename Operation>
auto SshClient::explained(Operation operation) -> decltype(operation()) {
  try {
    return operation();
  } catch (const SshError&) {
    if (options_.check_alive) options_.check_alive();
    throw;
  }
}

CommandResult SshClient::run(const std::string& command, std::chrono::milliseconds timeout,
                             const LiveOutput* live) {
  const auto deadline = Clock::now() + timeout;
  return explained([&] {
    auto session = session_within(deadline);
    return session->run(command, std::max(time_left(deadline), std::chrono::milliseconds(1)),
                        timeout, live);
  });
}

void SshClient::put(const std::filesystem::path& local, const std::string& remote,
                    std::chrono::milliseconds timeout, const std::vector<std::string>& exclude) {
  const auto deadline = Clock::now() + timeout;
  explained([&] {
    session_within(deadline)->put(
        local, remote, std::max(time_left(deadline), std::chrono::milliseconds(1)), exclude);
  });
}

void SshClient::get(const std::string& remote, const std::filesystem::path& local,
                    std::chrono::milliseconds timeout, std::uint64_t max_bytes) {
  const auto deadline = Clock::now() + timeout;
  explained([&] {
    session_within(deadline)->get(
        remote, local, std::max(time_left(deadline), std::chrono::milliseconds(1)), max_bytes);
  });
}

}  // namespace hurdle
