#include "ssh/ssh_session.hpp"

#include <fcntl.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "core/bounded_output.hpp"
#include "core/duration_text.hpp"
#include "core/shell_quote.hpp"
#include "core/unique_fd.hpp"
#include "ssh/tree_archive.hpp"

namespace hurdle {

namespace {

using Clock = std::chrono::steady_clock;
int poll_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1000));
}

HostKey server_host_key(ssh_session session) {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(session, &key) != SSH_OK || key == nullptr) return {};
  HostKey result;
  result.type = ssh_key_type_to_char(ssh_key_type(key));
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == SSH_OK) {
    char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
    if (text != nullptr) {
      result.fingerprint = text;
      ssh_string_free_char(text);
    }
    ssh_clean_pubkey_hash(&hash);
  }
  ssh_key_free(key);
  return result;
}

std::string temporary_name(const std::string& remote) {
  std::random_device random;
  return remote + ".hurdle-" + std::to_string(random() % 1000000);
}

}  // namespace

// One exec channel's state, filled by libssh's callbacks during ssh_event_dopoll.
struct SshSession::Channel {
  explicit Channel(const Exchange& how)
      : out(how.output_limit),
        err(how.output_limit),
        download_fd(how.download_fd),
        download_limit(how.download_limit),
        live(how.live) {}

  BoundedOutput out;
  BoundedOutput err;
  int download_fd = -1;  // stdout goes to this file instead of `out`
  std::uint64_t download_limit;
  const LiveOutput* live;
  std::uint64_t downloaded = 0;
  bool over_limit = false;  // the download outgrew its limit: the command is stopped
  std::string write_error;
  bool eof = false;
  bool closed = false;
  std::optional<int> status;
  std::string signal;

  static int on_data(ssh_session, ssh_channel, void* data, uint32_t len, int is_stderr,
                     void* self) {
    auto* c = static_cast<Channel*>(self);
    const char* bytes = static_cast<const char*>(data);
    if (c->live != nullptr && (is_stderr != 0 || c->download_fd < 0)) {
      try {
        (*c->live)(is_stderr != 0, std::string_view(bytes, len));
      } catch (...) {  // a sink that cannot write (a closed stdout) loses nothing here
      }
    }
    if (is_stderr != 0) {
      c->err.append(bytes, len);
    } else if (c->download_fd >= 0) {
      c->over_limit = c->over_limit || c->downloaded + len > c->download_limit;
      for (uint32_t done = 0; done < len && c->write_error.empty() && !c->over_limit;) {
        const ssize_t n = ::write(c->download_fd, bytes + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) c->write_error = std::string("cannot write the file: ") + std::strerror(errno);
        if (n > 0) done += static_cast<uint32_t>(n);
      }
      c->downloaded += len;
    } else {
      c->out.append(bytes, len);
    }
    return static_cast<int>(len);
  }
  static void on_eof(ssh_session, ssh_channel, void* self) {
    static_cast<Channel*>(self)->eof = true;
  }
  static void on_close(ssh_session, ssh_channel, void* self) {
    static_cast<Channel*>(self)->closed = true;
  }
  static void on_exit_status(ssh_session, ssh_channel, int status, void* self) {
    static_cast<Channel*>(self)->status = status;
  }
  static void on_exit_signal(ssh_session, ssh_channel, const char* signal, int, const char*,
                             const char*, void* self) {
    static_cast<Channel*>(self)->signal = signal != nullptr ? signal : "?";
  }
  [[nodiscard]] bool finished() const {
    return closed || (eof && (status.has_value() || !signal.empty()));
  }
};

void SshSession::Free::operator()(ssh_session_struct* session) const {
  ssh_disconnect(session);  // a no-op on a session that never connected
  ssh_free(session);
}

SshSession::SshSession(std::string machine, const SshEndpoint& endpoint, const SshAuth& auth,
                       HostKeyPin& pin, SshLog& log, std::chrono::milliseconds connect_timeout)
    : machine_(std::move(machine)), log_(log), session_(ssh_new()) {
  if (!session_) throw SshError(machine_ + ": libssh could not create a session");
  const std::string where = auth.user + "@" + endpoint.host + ":" + std::to_string(endpoint.port);
  const unsigned int port = endpoint.port;
  const long timeout_s = std::max<long>(1, static_cast<long>(connect_timeout.count() / 1000));
  const int verbosity = SSH_LOG_NOLOG;
  const bool no = false;
  ssh_options_set(session_.get(), SSH_OPTIONS_HOST, endpoint.host.c_str());
  ssh_options_set(session_.get(), SSH_OPTIONS_PORT, &port);
  ssh_options_set(session_.get(), SSH_OPTIONS_USER, auth.user.c_str());
  ssh_options_set(session_.get(), SSH_OPTIONS_TIMEOUT, &timeout_s);
  ssh_options_set(session_.get(), SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
  // Small packets (a channel open, an exec request) must leave at once, not wait for Nagle.
  const int nodelay = 1;
  ssh_options_set(session_.get(), SSH_OPTIONS_NODELAY, &nodelay);
  ssh_options_set(session_.get(), SSH_OPTIONS_PROCESS_CONFIG,
                  &no);  // ~/.ssh/config must not matter
  ssh_options_set(session_.get(), SSH_OPTIONS_KNOWNHOSTS, "/dev/null");  // HostKeyPin decides
  ssh_options_set(session_.get(), SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");

  if (ssh_connect(session_.get()) != SSH_OK) fail("cannot connect to " + where);
  host_key_ = server_host_key(session_.get());
  try {
    pin.check(machine_, host_key_);
  } catch (const SshError& e) {
    log_.line("host key refused: " + std::string(e.what()));
    throw HostKeyChanged(e.what());
  }

  int rc = SSH_AUTH_DENIED;
  std::string method;
  switch (auth.method) {
    case SshAuth::Method::kNone:
      method = "none";
      rc = ssh_userauth_none(session_.get(), nullptr);
      break;
    case SshAuth::Method::kPassword:
      method = auth.password.empty() ? "a blank password" : "a password";
      rc = ssh_userauth_password(session_.get(), nullptr, auth.password.c_str());
      break;
    case SshAuth::Method::kKey:
      method = "a key";
      if (!auth.key) fail("no key to authenticate with");
      rc = ssh_userauth_publickey(session_.get(), nullptr, auth.key->get());
      break;
  }
  if (rc != SSH_AUTH_SUCCESS)
    fail("authentication as " + auth.user + " with " + method + " failed");
  log_.line("connected to " + where + ", host key " + host_key_.str() + ", authenticated with " +
            method);
}

SshSession::~SshSession() = default;

void SshSession::fail(const std::string& what) {
  usable_ = false;
  std::string message = machine_ + ": SSH: " + what;
  if (session_) {
    const char* error = ssh_get_error(session_.get());
    if (error != nullptr && *error != '\0') message += ": " + std::string(error);
  }
  log_.line(message);
  throw SshError(message);
}

CommandResult SshSession::run(const std::string& command, std::chrono::milliseconds timeout,
                              std::chrono::milliseconds stated, const LiveOutput* live) {
  std::lock_guard lock(mutex_);
  Exchange how{timeout, stated};
  how.live = live;
  return exchange(command, how);
}

CommandResult SshSession::exchange(const std::string& command, const Exchange& how) {
  if (!usable_) fail("the session is no longer usable");
  const auto start = Clock::now();
  const auto deadline = start + how.timeout;
  Channel state(how);

  ssh_channel channel = ssh_channel_new(session_.get());
  if (channel == nullptr) fail("cannot create a channel for `" + command + "`");
  ssh_channel_callbacks_struct callbacks{};
  callbacks.userdata = &state;
  callbacks.channel_data_function = &Channel::on_data;
  callbacks.channel_eof_function = &Channel::on_eof;
  callbacks.channel_close_function = &Channel::on_close;
  callbacks.channel_exit_status_function = &Channel::on_exit_status;
  callbacks.channel_exit_signal_function = &Channel::on_exit_signal;
  ssh_callbacks_init(&callbacks);
  ssh_event event = ssh_event_new();
  // Frees the channel and the event however this function is left.
  struct Cleanup {
    ssh_channel channel;
    ssh_event event;
    ssh_session session;
    ssh_channel_callbacks callbacks;
    ~Cleanup() {
      // libssh keeps a channel the peer has not closed yet after ssh_channel_free; its late
      // packets must not reach callbacks that live on this stack frame.
      ssh_remove_channel_callbacks(channel, callbacks);
      ssh_event_remove_session(event, session);
      ssh_event_free(event);
      if (ssh_channel_is_open(channel) != 0) ssh_channel_close(channel);
      ssh_channel_free(channel);
    }
  } cleanup{channel, event, session_.get(), &callbacks};

  if (ssh_channel_open_session(channel) != SSH_OK)
    fail("cannot open a channel for `" + command + "`");
  ssh_set_channel_callbacks(channel, &callbacks);
  ssh_event_add_session(event, session_.get());
  if (ssh_channel_request_exec(channel, command.c_str()) != SSH_OK)
    fail("the guest refused to run `" + command + "`");

  if (how.upload != nullptr) send_upload(channel, state, command, *how.upload, deadline);

  while (!state.finished() && !state.over_limit && Clock::now() < deadline) {
    if (ssh_event_dopoll(event, poll_ms(deadline)) == SSH_ERROR)
      fail("the connection broke while running `" + command + "`");
  }
  return finish(channel, state, command, how, start);
}

void SshSession::send_upload(ssh_channel channel, const Channel& state, const std::string& command,
                             const Upload& upload, Clock::time_point deadline) {
  // The producer's pieces go out as they come; when the guest has given up (its stderr says
  // why) or the time is over, the rest is not produced.
  struct Stop {};
  try {
    upload([&](std::string_view piece) {
      while (!piece.empty()) {
        if (state.finished() || Clock::now() >= deadline) throw Stop{};
        const auto n = static_cast<uint32_t>(std::min(piece.size(), kTransferPiece));
        if (ssh_channel_write(channel, piece.data(), n) == SSH_ERROR)
          fail("writing to `" + command + "` failed");
        piece.remove_prefix(n);
      }
    });
  } catch (const Stop&) {
  }
  ssh_channel_send_eof(channel);
}

CommandResult SshSession::finish(ssh_channel channel, const Channel& state,
                                 const std::string& command, const Exchange& how,
                                 Clock::time_point start) {
  CommandResult result;
  result.command = command;
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  result.out = state.out.text();
  result.err = state.err.text();
  result.out_bytes = state.download_fd >= 0 ? state.downloaded : state.out.total();
  result.err_bytes = state.err.total();
  result.signal = state.signal;
  result.exit_status = state.status.value_or(-1);
  if (state.over_limit) {
    ssh_channel_request_send_signal(channel, "KILL");
    result.signal = "KILL (over the size limit)";
    log_.command(result);
    throw SshError(machine_ + ": `" + command + "` sent more than " +
                   std::to_string(how.download_limit) + " bytes, the limit; it was stopped");
  }
  if (!state.finished()) {
    // Stop the command (dropbear and OpenSSH honour "signal"), then let the channel go.
    ssh_channel_request_send_signal(channel, "KILL");
    result.signal = "KILL (time-out)";
    log_.command(result);
    throw SshTimeoutError(machine_ + ": `" + command + "` did not finish within " +
                          seconds_text(how.stated.count() > 0 ? how.stated : how.timeout) +
                          "; it was sent SIGKILL and its channel closed" +
                          "\nstdout so far: " + result.out.substr(0, 2048) +
                          "\nstderr so far: " + result.err.substr(0, 2048));
  }
  if (!state.status && state.signal.empty() && !state.eof)
    fail("the channel of `" + command + "` closed without an exit status");
  if (!state.write_error.empty()) throw SshError(machine_ + ": " + state.write_error);
  log_.command(result);
  return result;
}

void SshSession::put(const std::filesystem::path& local, const std::string& remote,
                     std::chrono::milliseconds timeout, const std::vector<std::string>& exclude) {
  struct stat st {};
  if (::stat(local.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    put_tree(local, remote, timeout, exclude);
    return;
  }
  if (!exclude.empty())
    throw TransferError(machine_ + ": put: " + local.string() +
                        " is not a folder: nothing to exclude");
  if (::stat(local.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw TransferError(machine_ + ": put: " + local.string() + " is not a readable file");
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  const std::string tmp = shell_quote(temporary_name(remote));
  // dd with 64 KiB blocks: busybox's cat copies 4 KiB at a time, which costs a guest under TCG
  // a third of the throughput.
  const std::string command = "dd of=" + tmp + " bs=65536 && chmod " + mode + " " + tmp +
                              " && mv -f " + tmp + " " + shell_quote(remote) + " || { rm -f " +
                              tmp + "; exit 1; }";
  const std::function<void(const std::function<void(std::string_view)>&)> file =
      [&](const std::function<void(std::string_view)>& send) {
        UniqueFd in(::open(local.c_str(), O_RDONLY | O_CLOEXEC));
        if (!in.valid()) throw TransferError(machine_ + ": cannot read " + local.string());
        std::string piece(kTransferPiece, '\0');
        for (;;) {
          const ssize_t n = ::read(in.get(), piece.data(), piece.size());
          if (n < 0) throw TransferError(machine_ + ": cannot read " + local.string());
          if (n == 0) return;
          send(std::string_view(piece.data(), static_cast<std::size_t>(n)));
        }
      };
  std::lock_guard lock(mutex_);
  Exchange how{timeout, timeout};
  how.upload = &file;
  const auto result = exchange(command, how);
  if (!result.ok())
    throw TransferError(machine_ + ": put " + local.string() + " -> " + remote +
                        " failed: " + result.describe());
  log_.line("put " + local.string() + " -> " + remote + ": " + std::to_string(st.st_size) +
            " bytes, mode " + mode + ", " + seconds_text(result.elapsed));
}

void SshSession::put_tree(const std::filesystem::path& local, const std::string& remote,
                          std::chrono::milliseconds timeout,
                          const std::vector<std::string>& exclude) {
  const std::string target = shell_quote(remote);
  const std::string command = "mkdir -p " + target + " && tar -x -f - -C " + target;
  TreeStats stats;
  const std::function<void(const std::function<void(std::string_view)>&)> tree =
      [&](const std::function<void(std::string_view)>& send) {
        try {
          stats = write_tree_as_tar(local, exclude, send);
        } catch (const SshError&) {
          throw;
        } catch (const Error& e) {
          throw TransferError(machine_ + ": put " + local.string() + ": " + e.what());
        }
      };
  std::lock_guard lock(mutex_);
  Exchange how{timeout, timeout};
  how.upload = &tree;
  const auto result = exchange(command, how);
  if (!result.ok())
    throw TransferError(machine_ + ": put " + local.string() + "/ -> " + remote +
                        " failed: " + result.describe());
  log_.line("put " + local.string() + "/ -> " + remote + ": " + stats.describe("excluded") + ", " +
            seconds_text(result.elapsed));
}

void SshSession::get(const std::string& remote, const std::filesystem::path& local,
                     std::chrono::milliseconds timeout, std::uint64_t max_bytes) {
  std::unique_lock lock(mutex_);
  const auto start = Clock::now();
  // The mode first (one line, and a second for a folder), then the bytes.
  const auto mode = exchange("stat -L -c %a " + shell_quote(remote) + " && { test -d " +
                                 shell_quote(remote) + " && echo folder || true; }",
                             {timeout, timeout});
  if (!mode.ok())
    throw TransferError(machine_ + ": get " + remote + ": cannot stat it: " + mode.describe());
  if (mode.out.find("\nfolder\n") != std::string::npos) {
    lock.unlock();
    get_tree(remote, local,
             timeout - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start),
             max_bytes);
    return;
  }
  // The guest says the mode: read as octal digits only, and without setuid, setgid or sticky.
  mode_t bits = 0600;
  const std::string digits = mode.out.substr(0, mode.out.find('\n'));
  if (!digits.empty() && digits.size() <= 4 &&
      digits.find_first_not_of("01234567") == std::string::npos)
    bits = static_cast<mode_t>(std::stoul(digits, nullptr, 8) & 0777);
  // A name no one can guess, created here (O_EXCL: never through a symlink), then renamed
  // over `local` (a rename replaces a symlink there, it does not follow it).
  std::string tmp = (local.parent_path() / ".hurdle-get-XXXXXX").string();
  UniqueFd out(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!out.valid())
    throw TransferError(machine_ + ": get: cannot create a file in " +
                        local.parent_path().string() + ": " + std::strerror(errno));
  CommandResult result;
  try {
    Exchange how{
        timeout - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start),
        timeout};
    how.download_fd = out.get();
    how.download_limit = max_bytes;
    result = exchange("dd if=" + shell_quote(remote) + " bs=65536", how);
    if (!result.ok())
      throw TransferError(machine_ + ": get " + remote + " failed: " + result.describe());
    if (::fchmod(out.get(), bits) != 0 || ::close(out.release()) != 0)
      throw TransferError(machine_ + ": get: cannot finish " + tmp + ": " + std::strerror(errno));
    std::filesystem::rename(tmp, local);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
  log_.line("get " + remote + " -> " + local.string() + ": " + std::to_string(result.out_bytes) +
            " bytes, mode " + digits + ", " + seconds_text(Clock::now() - start));
}

void SshSession::get_tree(const std::string& remote, const std::filesystem::path& local,
                          std::chrono::milliseconds timeout, std::uint64_t max_bytes) {
  std::lock_guard lock(mutex_);
  // The archive lands in a file no one can guess first: it is unpacked only once whole.
  std::filesystem::create_directories(local.parent_path());
  std::string tmp = (local.parent_path() / ".hurdle-get-XXXXXX").string();
  UniqueFd out(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!out.valid())
    throw TransferError(machine_ + ": get: cannot create a file in " +
                        local.parent_path().string() + ": " + std::strerror(errno));
  struct Remove {
    std::string path;
    ~Remove() {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  } remove_archive{tmp};
  Exchange how{timeout, timeout};
  how.download_fd = out.get();
  how.download_limit = max_bytes;
  const auto result = exchange("tar -c -f - -C " + shell_quote(remote) + " .", how);
  if (!result.ok())
    throw TransferError(machine_ + ": get " + remote + "/ failed: " + result.describe());
  TreeStats stats;
  try {
    stats = extract_tar_safely(tmp, local);
  } catch (const Error& e) {
    throw TransferError(machine_ + ": get " + remote + "/ -> " + local.string() + ": " + e.what());
  }
  log_.line("get " + remote + "/ -> " + local.string() + ": " + stats.describe("entries refused") +
            ", " + seconds_text(result.elapsed));
}

}  // namespace hurdle
