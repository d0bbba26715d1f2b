// An SSH key pair held in memory (libssh's ssh_key, freed with the object): generated as an
// ephemeral ed25519 key for one run, or loaded from a private key file. The public half is
// written out as an authorized_keys line; the private half never reaches a log, and is written
// to a file only for a saved machine (`--keep-failed-state`), whose guest trusts it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

struct ssh_key_struct;

namespace hurdle {

class SshKey {
 public:
  static SshKey generate_ed25519();
  static SshKey load(const std::filesystem::path& private_key_file);

  // "ssh-ed25519 AAAA... COMMENT", as authorized_keys takes it.
  [[nodiscard]] std::string public_line(const std::string& comment) const;
  [[nodiscard]] ssh_key_struct* get() const { return key_.get(); }
  // Writes the private key to `file` (OpenSSH format, mode 0600, made anew).
  void save_private(const std::filesystem::path& file) const;

 private:
  struct Free {
    void operator()(ssh_key_struct* key) const;
  };
  explicit SshKey(ssh_key_struct* key) : key_(key, Free{}) {}
  std::shared_ptr<ssh_key_struct> key_;
};

}  // namespace hurdle
