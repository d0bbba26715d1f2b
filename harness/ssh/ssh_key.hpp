// An SSH key pair held in memory (libssh's ssh_key, freed with the object): generated as an
// ephemeral ed25519 key for one run, or loaded from a private key file. Only the public half
// is ever written out (authorized_keys line); the private half never reaches a log.
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

 private:
  struct Free {
    void operator()(ssh_key_struct* key) const;
  };
  explicit SshKey(ssh_key_struct* key) : key_(key, Free{}) {}
  std::shared_ptr<ssh_key_struct> key_;
};

}  // namespace hurdle
