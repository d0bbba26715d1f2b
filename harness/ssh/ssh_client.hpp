// A machine's SSH side: one session, opened on first use and reused by every command, replaced
// after a restore, a reboot or a broken connection. Readiness is a real round trip (`exit 0`,
// or the profile's command, and its status and output), retried with back-off until a deadline,
// because QEMU's user network accepts connections on the forwarded port long before the guest's
// sshd is up.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "ssh/host_key_pin.hpp"
#include "ssh/ssh_log.hpp"
#include "ssh/ssh_session.hpp"

namespace hurdle {

struct SshClientOptions {
  std::string machine = "machine";  // for messages
  SshEndpoint endpoint;
  SshAuth auth;
  std::filesystem::path host_key_file;  // the pin, in the run directory
  std::filesystem::path log_file;       // ssh.log
  // Called between attempts, and when a command or transfer fails with SshError: throws when
  // waiting further is pointless (QEMU has exited), with why, which then replaces the
  // connection's own error ("Socket error: disconnected" says nothing of a guest gone).
  std::function<void()> check_alive;
  // Waited on between attempts instead of sleeping: readable means give up (QEMU's exit fd).
  int abort_fd = -1;
  // The round trip that proves the guest ready, and (when set) an RE2 its standard output,
  // without the final newline, must match whole: `uname -s` printing GNU proves it is the Hurd
  // answering, not merely something.
  std::string ready_command = "exit 0";
  std::string ready_output;
};

class SshClient {
 public:
  explicit SshClient(SshClientOptions options);

  // Connects if needed and proves the guest answers, within `timeout`. Returns how long it took.
  std::chrono::milliseconds wait_until_ready(std::chrono::milliseconds timeout);

  // A command on the shared session, connecting first (within the same time-out) if needed.
  // `live`, when given, also gets the output as it comes (see LiveOutput).
  CommandResult run(const std::string& command, std::chrono::milliseconds timeout,
                    const LiveOutput* live = nullptr);
  // A file, or a folder as a tar stream (see SshSession::put).
  void put(const std::filesystem::path& local, const std::string& remote,
           std::chrono::milliseconds timeout, const std::vector<std::string>& exclude = {});
  void get(const std::string& remote, const std::filesystem::path& local,
           std::chrono::milliseconds timeout,
           std::uint64_t max_bytes = SshSession::kDefaultGetLimit);

  // Drops the session (the guest was restored or rebooted); the next call reconnects.
  void disconnect(const std::string& why);
  [[nodiscard]] bool connected() const;

  HostKeyPin& host_key_pin() { return pin_; }
  SshLog& log() { return log_; }
  [[nodiscard]] const SshClientOptions& options() const { return options_; }

 private:
  std::shared_ptr<SshSession> session_within(std::chrono::steady_clock::time_point deadline);
  // Runs `operation`; an SshError from it is first explained by check_alive, if that can.
  template <typename Operation>
  auto explained(Operation operation) -> decltype(operation());

  SshClientOptions options_;
  SshLog log_;
  HostKeyPin pin_;
  mutable std::mutex mutex_;  // guards session_ (the session serialises its own calls)
  std::mutex connect_mutex_;  // one thread connects; the others wait for its session
  std::shared_ptr<SshSession> session_;
};

}  // namespace hurdle
