// The guest's SSH as a Machine holds it: the one shared client (made on first use for the QEMU
// of the moment, and dropped with it), the key the guest is to trust (this run's, hurdle's
// own, or the profile's) and whether it is installed, and the reconnect a restore starts in
// the background, which everything that uses or replaces the client waits for first.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "qemu/machine_profile.hpp"
#include "ssh/ssh_client.hpp"
#include "ssh/ssh_key.hpp"

namespace hurdle {

// Where the guest's SSH is, for the QEMU running now.
struct GuestSshLink {
  std::uint16_t port = 0;             // on 127.0.0.1
  int abort_fd = -1;                  // readable once QEMU has exited: a wait for SSH ends at once
  std::function<void()> check_alive;  // throws when QEMU is gone
};

struct GuestSshOptions {
  std::string machine;
  std::filesystem::path host_key_file;    // the pin, kept across power cycles
  std::filesystem::path log_file;         // ssh.log
  std::filesystem::path owned_key_cache;  // where hurdle's own key is (ssh/ in it)
  std::vector<std::string> secrets;
  std::function<GuestSshLink()> link;
  std::function<void(const std::string&)> note;  // machine.log
};

class GuestSsh {
 public:
  // `spec` is the profile's ssh section (unset: the machine has none; only the key and
  // reconnect bookkeeping then apply).
  GuestSsh(std::optional<SshSpec> spec, GuestSshOptions options);
  ~GuestSsh();
  GuestSsh(const GuestSsh&) = delete;
  GuestSsh& operator=(const GuestSsh&) = delete;

  // The client, made when first asked for (not connected). The caller has checked that the
  // profile has SSH and QEMU runs.
  SshClient& client();
  // The client, connected and proven to answer within the profile's ready time-out.
  SshClient& connect();
  // The client for a command, by one rule: the background reconnect waited for; a guest whose
  // SSH never answered (no host key pinned yet) gets the profile's ready time-out to come up
  // (connect()); one that answered before reconnects within the command's own time-out.
  SshClient& for_command();
  // The client when one was made (for a pin, a disconnect): null otherwise.
  [[nodiscard]] SshClient* existing() { return client_.get(); }
  [[nodiscard]] bool answering() const { return client_ && client_->connected(); }
  void disconnect(const std::string& why);
  // A new QEMU: the client (bound to the old one's exit descriptor) is made again on first
  // use; the host-key pin stays (it is in host_key_file).
  void drop();

  // The key the guest is to trust, as an authorized_keys line, and which it is for the log;
  // unset when its SSH takes no key hurdle installs (a password, the profile's own key).
  struct AuthorizedKey {
    std::string line;
    std::string which;
  };
  [[nodiscard]] std::optional<AuthorizedKey> key_to_install();
  [[nodiscard]] bool key_installed() const { return key_installed_; }
  void set_key_installed(bool installed) { key_installed_ = installed; }
  // Whether the guest trusts a private key hurdle can hand on (not: no SSH, a password, an
  // ephemeral key not made yet), and that key written to `file` (0600; false when none).
  [[nodiscard]] bool has_key() const;
  bool save_key(const std::filesystem::path& file) const;

  // Connects on another thread, from a restore that began at `since`; a failure is logged,
  // and the next connect() reports it.
  void reconnect_in_background(std::chrono::steady_clock::time_point since);
  void wait_for_reconnect();
  // True while a background reconnect has not ended.
  [[nodiscard]] bool reconnecting();
  // Forgets the last reconnect (waited for first).
  void forget_reconnect();
  // When the last background reconnect was ready (unset: none, it failed, or not yet when not
  // waiting), and the same counted from its restore's start.
  std::optional<std::chrono::steady_clock::time_point> ready_at(bool wait);
  std::optional<std::chrono::milliseconds> ready_after_restore(bool wait);

 private:
  using Reconnect = std::shared_future<std::optional<std::chrono::steady_clock::time_point>>;
  [[nodiscard]] Reconnect pending();

  std::optional<SshSpec> spec_;
  GuestSshOptions options_;
  std::optional<SshKey> ephemeral_key_;  // auth: ephemeral-key, made on first use
  bool key_installed_ = false;
  std::mutex client_mutex_;  // threads may ask for the client at once; it is made once
  std::unique_ptr<SshClient> client_;
  std::mutex reconnect_mutex_;  // guards the two below
  Reconnect reconnect_;
  std::chrono::steady_clock::time_point reconnect_since_;
};

}  // namespace hurdle
