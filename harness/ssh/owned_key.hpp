// hurdle's own SSH key for a user: an ed25519 key made once in the user cache folder
// (ssh/hurdle_ed25519, mode 0600, folder 0700) whose public half the `hurd-ssh-key` recipe
// bakes into prepared images, so that hurdle reaches a Hurd guest over SSH even when its
// console shows nothing. Profiles use it with `ssh: auth: hurdle-key`.
#pragma once

#include <filesystem>
#include <string>

#include "ssh/ssh_key.hpp"

namespace hurdle {

struct OwnedKey {
  SshKey key;
  std::filesystem::path file;  // the private key
  std::string public_line;     // "ssh-ed25519 AAAA... hurdle", as authorized_keys takes it
};

// Loads the key from `cache_dir`/ssh/, making it first if there is none (two processes at
// once make one key). Throws SshError when the file is readable by others than its owner.
OwnedKey hurdle_owned_key(const std::filesystem::path& cache_dir);

}  // namespace hurdle
