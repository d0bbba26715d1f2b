// Host-key pinning for one machine: the first key seen is pinned for the run (kept in the run
// directory), and any other key afterwards is an error. Snapshots record the pin they were
// taken under, and a restore puts that pin back, so the key the restored guest has is the one
// expected (and a snapshot taken before any key was seen lets the next key be pinned afresh).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace hurdle {

struct HostKey {
  std::string type;         // e.g. "ssh-ed25519"
  std::string fingerprint;  // "SHA256:..."
  [[nodiscard]] std::string str() const { return type + " " + fingerprint; }
  bool operator==(const HostKey&) const = default;
};

class HostKeyPin {
 public:
  // `file` keeps the pin (one line), so that it survives a restart of hurdle's side.
  explicit HostKeyPin(std::filesystem::path file);

  // Pins `seen` if nothing is pinned; throws SshError naming both keys if another is pinned.
  void check(const std::string& machine, const HostKey& seen);

  [[nodiscard]] const std::optional<HostKey>& pinned() const { return pinned_; }
  // Used by restores: the pin that was in force when the snapshot was taken (none: unpinned).
  void reset_to(const std::optional<HostKey>& key);

 private:
  void save() const;

  std::filesystem::path file_;
  std::optional<HostKey> pinned_;
};

}  // namespace hurdle
