// One authenticated libssh session to a guest: commands with stdout and stderr kept apart and a
// deadline each, and file transfer streamed over a channel (never a whole file in memory).
// Checks the server's host key against the machine's HostKeyPin. Its calls are serialised by a
// mutex, so no two threads use the session at once. SshClient creates and replaces sessions.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ssh/command_result.hpp"
#include "ssh/host_key_pin.hpp"
#include "ssh/ssh_key.hpp"
#include "ssh/ssh_log.hpp"

struct ssh_session_struct;
struct ssh_channel_struct;

namespace hurdle {

struct SshAuth {
  enum class Method { kNone, kPassword, kKey };
  Method method = Method::kPassword;
  std::string user = "root";
  std::string password;       // for kPassword ("" for a blank password)
  std::optional<SshKey> key;  // for kKey
};

struct SshEndpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 22;
};

class SshSession {
 public:
  // Connects, checks the host key, authenticates. Throws SshError (HostKeyChanged for a key
  // that is not the pinned one).
  SshSession(std::string machine, const SshEndpoint& endpoint, const SshAuth& auth, HostKeyPin& pin,
             SshLog& log, std::chrono::milliseconds connect_timeout);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  // Runs `command` (a line for the guest's shell). On time-out, the command is sent SIGKILL,
  // the channel is closed and TimeoutError names the command; a broken connection is SshError.
  // `stated`: the time-out the caller was promised, for the message (SshClient spends part of
  // it connecting); 0 means `timeout`. `live`, when given, also gets the output as it comes.
  CommandResult run(const std::string& command, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds stated = std::chrono::milliseconds(0),
                    const LiveOutput* live = nullptr);

  // Copies a file, keeping its permission bits; streamed in 64 KiB pieces. `remote` is written
  // to a temporary name first and renamed, so a failed put leaves no half file.
  // A folder is copied as a tar stream over the one channel, unpacked by the guest's tar into
  // `remote` (made if missing; what is there already stays unless replaced): modes, symlinks
  // and times kept, owned by the SSH user; `exclude` as in write_tree_as_tar.
  void put(const std::filesystem::path& local, const std::string& remote,
           std::chrono::milliseconds timeout, const std::vector<std::string>& exclude = {});
  // More than `max_bytes` stops the transfer with an error and leaves no file. A folder comes
  // back as a tar stream from the guest's tar, of at most `max_bytes`, unpacked into `local`
  // by extract_tar_safely (the guest's archive is not trusted).
  void get(const std::string& remote, const std::filesystem::path& local,
           std::chrono::milliseconds timeout, std::uint64_t max_bytes = kDefaultGetLimit);

  static constexpr std::uint64_t kDefaultGetLimit = 1ull << 30;  // 1 GiB

  // False once the connection has failed; SshClient then opens a new session.
  [[nodiscard]] bool usable() const { return usable_; }
  [[nodiscard]] const HostKey& host_key() const { return host_key_; }

 private:
  struct Channel;
  // What one command exchanges besides its text and its output.
  // Sends a command's stdin through the function it is given, piece by piece.
  using Upload = std::function<void(const std::function<void(std::string_view)>&)>;
  struct Exchange {
    std::chrono::milliseconds timeout;
    std::chrono::milliseconds stated;  // the time-out named in errors
    const Upload* upload = nullptr;
    int download_fd = -1;                        // its stdout goes here, not to `out`
    std::uint64_t download_limit = UINT64_MAX;   // more than this stops the command
    std::size_t output_limit = 8 * 1024 * 1024;  // stdout and stderr kept, each
    const LiveOutput* live = nullptr;            // also gets stdout and stderr as they come
  };
  // Runs `command` on a new channel: its stdin sent, its output gathered until it ends.
  CommandResult exchange(const std::string& command, const Exchange& how);
  // The command's stdin, until the producer ends, the command does, or the time is over;
  // then EOF.
  void send_upload(ssh_channel_struct* channel, const Channel& state, const std::string& command,
                   const Upload& upload, std::chrono::steady_clock::time_point deadline);
  // How the command ended, as a result; a command over its size limit or its time is sent
  // SIGKILL and thrown as SshError or SshTimeoutError, with what it printed so far.
  CommandResult finish(ssh_channel_struct* channel, const Channel& state,
                       const std::string& command, const Exchange& how,
                       std::chrono::steady_clock::time_point start);
  void put_tree(const std::filesystem::path& local, const std::string& remote,
                std::chrono::milliseconds timeout, const std::vector<std::string>& exclude);
  void get_tree(const std::string& remote, const std::filesystem::path& local,
                std::chrono::milliseconds timeout, std::uint64_t max_bytes);
  [[noreturn]] void fail(const std::string& what);

  std::string machine_;
  SshLog& log_;
  struct Free {
    void operator()(ssh_session_struct* session) const;
  };
  // Freed (its socket closed) even when the constructor throws half-way.
  std::unique_ptr<ssh_session_struct, Free> session_;
  HostKey host_key_;
  bool usable_ = true;
  std::mutex mutex_;
};

}  // namespace hurdle
