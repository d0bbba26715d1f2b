// The folder of one detached VM of `hurdle vm`: $XDG_RUNTIME_DIR/hurdle/NAME/ (else
// $TMPDIR/hurdle-UID/NAME/), private to the user (0700): the record (instance.json), the
// supervisor's lock, its control socket and log, and a link to the machine's logs. The live
// supervisor holds supervisor.lock for as long as it runs: a folder whose lock is free is
// stale (its supervisor died, or was killed; QEMU died with it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/file_lock.hpp"

namespace hurdle {

// What instance.json says of a detached VM; the supervisor writes it, every client reads it.
struct InstanceRecord {
  std::string name;
  std::string state;  // "starting" (QEMU runs, the guest boots), "running", "stopping"
  pid_t supervisor_pid = 0;
  pid_t qemu_pid = 0;
  std::string profile;  // as given to `vm start`
  std::string image;    // the image lock entry, when given
  std::string accelerator;
  std::filesystem::path log_dir;
  std::map<std::string, std::uint16_t> ports;  // on 127.0.0.1: "ssh", "gdb", "vnc"...
  std::string ssh_user;                        // empty: the profile has no SSH
  std::filesystem::path ssh_key;               // a private key file the guest trusts, if any
  // How ssh_user gets in: "key" (ssh_key), "none", "blank-password" or "password" (which
  // hurdle does not keep); empty when the profile has no SSH.
  std::string ssh_auth;
  // A saved machine the VM was resumed from and owns (`hurdle exec --leave-running`): removed
  // with the instance folder, however the VM ended (a quit, a kill, found stale).
  std::filesystem::path owned_state;
  std::string started_at;  // UTC, ISO 8601

  [[nodiscard]] nlohmann::json to_json() const;
  // Throws Error naming `source` when the JSON is not a record.
  static InstanceRecord from_json(const nlohmann::json& json, const std::string& source);
};

// Where `hurdle exec --leave-running` saves the machines it hands over (under the user cache):
// the only folder whose entries a record's owned_state may name.
inline constexpr const char* kOwnedStateFolder = "vm-saved";

// The folder all instances live in, made private when missing; refused (Error) when it is not
// owned by this user or others may write it (a socket there must be this user's).
std::filesystem::path instances_root();

class InstanceFolder {
 public:
  // NAME must be a valid name (core/name_rules); ConfigError otherwise.
  static InstanceFolder named(const std::string& name);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path record_file() const { return path_ / "instance.json"; }
  [[nodiscard]] std::filesystem::path lock_file() const { return path_ / "supervisor.lock"; }
  [[nodiscard]] std::filesystem::path control_socket() const { return path_ / "control.sock"; }
  [[nodiscard]] std::filesystem::path supervisor_log() const { return path_ / "supervisor.log"; }
  [[nodiscard]] std::filesystem::path health_log() const { return path_ / "health.log"; }

  [[nodiscard]] bool exists() const;
  // True while a supervisor holds the lock.
  [[nodiscard]] bool live() const;
  // The supervisor's side: the lock, held for the supervisor's life; nullopt when another
  // supervisor holds it (the name is in use). Makes the folder (0700).
  [[nodiscard]] std::optional<FileLock> claim() const;
  [[nodiscard]] std::optional<InstanceRecord> read_record() const;
  void write_record(const InstanceRecord& record) const;
  // Removes the folder of a stale instance; false (nothing removed) when it is live.
  bool remove_if_stale() const;
  // Removes the folder, whose lock the caller holds (the supervisor on its way out). A link
  // to the machine's logs goes, not the logs.
  void remove(const FileLock& held) const;

 private:
  InstanceFolder(std::string name, std::filesystem::path path)
      : name_(std::move(name)), path_(std::move(path)) {}
  std::string name_;
  std::filesystem::path path_;
};

struct InstanceListing {
  std::vector<InstanceRecord> running;  // live supervisors (a record still being written: none)
  std::vector<std::string> removed;     // stale folders found and removed
};

// Every instance folder: the live ones' records, and the stale ones cleaned up.
InstanceListing list_instances();

}  // namespace hurdle
