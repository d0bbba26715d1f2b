#include "machine/guest_ssh.hpp"

#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "ssh/owned_key.hpp"

namespace hurdle {

namespace fs = std::filesystem;

GuestSsh::GuestSsh(std::optional<SshSpec> spec, GuestSshOptions options)
    : spec_(std::move(spec)), options_(std::move(options)) {}

GuestSsh::~GuestSsh() {
  wait_for_reconnect();  // its thread uses this object
  client_.reset();       // closes the session while the guest may still hear it
}

SshClient& GuestSsh::client() {
  std::lock_guard lock(client_mutex_);
  if (!client_) {
    const SshSpec& spec = *spec_;
    const GuestSshLink link = options_.link();
    SshClientOptions o;
    o.machine = options_.machine;
    o.endpoint.port = link.port;
    o.auth.user = spec.user;
    switch (spec.auth) {
      case SshSpec::Auth::kNone:
        o.auth.method = SshAuth::Method::kNone;
        break;
      case SshSpec::Auth::kPassword:
        o.auth.method = SshAuth::Method::kPassword;
        o.auth.password = spec.password;
        break;
      case SshSpec::Auth::kKey:
        o.auth.method = SshAuth::Method::kKey;
        o.auth.key = SshKey::load(spec.key);
        break;
      case SshSpec::Auth::kEphemeralKey:
        o.auth.method = SshAuth::Method::kKey;
        if (!ephemeral_key_) ephemeral_key_ = SshKey::generate_ed25519();
        o.auth.key = ephemeral_key_;
        break;
      case SshSpec::Auth::kHurdleKey:
        o.auth.method = SshAuth::Method::kKey;
        o.auth.key = hurdle_owned_key(options_.owned_key_cache).key;
        break;
    }
    o.ready_command = spec.ready_command;
    o.ready_output = spec.ready_output;
    o.host_key_file = options_.host_key_file;
    o.log_file = options_.log_file;
    o.check_alive = link.check_alive;
    o.abort_fd = link.abort_fd;
    client_ = std::make_unique<SshClient>(std::move(o));
    for (const auto& secret : options_.secrets) client_->log().add_secret(secret);
  }
  if (spec_->auth == SshSpec::Auth::kEphemeralKey && !key_installed_) {
    throw SshError(options_.machine +
                   ": SSH uses a key installed over the console: log in on the console first "
                   "(Machine::login) so that hurdle can install it");
  }
  return *client_;
}

SshClient& GuestSsh::connect() {
  SshClient& c = client();
  if (!c.connected()) {
    const auto took = c.wait_until_ready(spec_->ready_timeout);
    options_.note("SSH answered after " + seconds_text(took));
  }
  return c;
}

SshClient& GuestSsh::for_command() {
  wait_for_reconnect();
  SshClient& c = client();
  if (!c.connected() && !c.host_key_pin().pinned()) return connect();
  return c;
}

void GuestSsh::disconnect(const std::string& why) {
  if (client_) client_->disconnect(why);
}

void GuestSsh::drop() {
  wait_for_reconnect();
  std::lock_guard lock(client_mutex_);
  client_.reset();
}

std::optional<GuestSsh::AuthorizedKey> GuestSsh::key_to_install() {
  if (!spec_) return std::nullopt;
  // ephemeral-key: this run's key. hurdle-key: the user's, which a disk hurdle prepared has
  // already; one that it did not (your own image) gets it over the console, once.
  if (spec_->auth == SshSpec::Auth::kHurdleKey)
    return AuthorizedKey{hurdle_owned_key(options_.owned_key_cache).public_line,
                         "hurdle's own ed25519 key"};
  if (spec_->auth == SshSpec::Auth::kEphemeralKey) {
    if (!ephemeral_key_) ephemeral_key_ = SshKey::generate_ed25519();
    return AuthorizedKey{ephemeral_key_->public_line("hurdle-" + options_.machine),
                         "this run's ed25519 key"};
  }
  return std::nullopt;
}

bool GuestSsh::has_key() const {
  if (!spec_) return false;
  switch (spec_->auth) {
    case SshSpec::Auth::kEphemeralKey:
      return ephemeral_key_.has_value();
    case SshSpec::Auth::kHurdleKey:
    case SshSpec::Auth::kKey:
      return true;
    case SshSpec::Auth::kNone:
    case SshSpec::Auth::kPassword:
      return false;
  }
  return false;
}

bool GuestSsh::save_key(const fs::path& file) const {
  if (!has_key()) return false;
  switch (spec_->auth) {
    case SshSpec::Auth::kEphemeralKey:
      ephemeral_key_->save_private(file);
      break;
    case SshSpec::Auth::kHurdleKey:
      hurdle_owned_key(options_.owned_key_cache).key.save_private(file);
      break;
    case SshSpec::Auth::kKey:
      fs::copy_file(spec_->key, file, fs::copy_options::overwrite_existing);
      fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
      break;
    case SshSpec::Auth::kNone:
    case SshSpec::Auth::kPassword:
      return false;
  }
  return true;
}

void GuestSsh::reconnect_in_background(std::chrono::steady_clock::time_point since) {
  std::lock_guard lock(reconnect_mutex_);
  reconnect_since_ = since;
  reconnect_ =
      std::async(
          std::launch::async,
          [this, since]() -> std::optional<std::chrono::steady_clock::time_point> {
            try {
              connect();
              const auto at = std::chrono::steady_clock::now();
              options_.note("SSH ready " + seconds_text(at - since) + " after the restore began");
              return at;
            } catch (const std::exception& e) {
              // The first SSH step connects again and reports why it cannot.
              options_.note(std::string("SSH did not reconnect in the background: ") + e.what());
              return std::nullopt;
            }
          })
          .share();
}

GuestSsh::Reconnect GuestSsh::pending() {
  std::lock_guard lock(reconnect_mutex_);
  return reconnect_;
}

void GuestSsh::wait_for_reconnect() {
  const Reconnect p = pending();
  if (p.valid()) p.wait();
}

bool GuestSsh::reconnecting() {
  const Reconnect p = pending();
  return p.valid() && p.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
}

void GuestSsh::forget_reconnect() {
  wait_for_reconnect();
  std::lock_guard lock(reconnect_mutex_);
  reconnect_ = {};
}

std::optional<std::chrono::steady_clock::time_point> GuestSsh::ready_at(bool wait) {
  const Reconnect p = pending();
  if (!p.valid()) return std::nullopt;
  if (!wait && p.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
    return std::nullopt;
  return p.get();
}

std::optional<std::chrono::milliseconds> GuestSsh::ready_after_restore(bool wait) {
  const auto at = ready_at(wait);
  if (!at) return std::nullopt;
  std::lock_guard lock(reconnect_mutex_);
  return std::chrono::duration_cast<std::chrono::milliseconds>(*at - reconnect_since_);
}

}  // namespace hurdle
