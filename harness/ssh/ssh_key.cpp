#include "ssh/ssh_key.hpp"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace hurdle {

void SshKey::Free::operator()(ssh_key_struct* key) const { ssh_key_free(key); }

SshKey SshKey::generate_ed25519() {
  ssh_key key = nullptr;
  if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK || key == nullptr)
    throw SshError("could not generate an ed25519 key");
  return SshKey(key);
}

SshKey SshKey::load(const std::filesystem::path& private_key_file) {
  ssh_key key = nullptr;
  if (ssh_pki_import_privkey_file(private_key_file.c_str(), nullptr, nullptr, nullptr, &key) !=
          SSH_OK ||
      key == nullptr) {
    throw SshError("cannot read the SSH private key " + private_key_file.string() +
                   " (a key without a passphrase, in OpenSSH or PEM format, is expected)");
  }
  return SshKey(key);
}

void SshKey::save_private(const std::filesystem::path& file) const {
  // Made 0600 before a byte is in it: libssh's fopen keeps the mode of a file that exists.
  std::filesystem::remove(file);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw SshError("cannot create " + file.string() + ": " + std::strerror(errno));
  ::close(fd);
  if (ssh_pki_export_privkey_file(key_.get(), nullptr, nullptr, nullptr, file.c_str()) != SSH_OK)
    throw SshError("cannot write the SSH private key to " + file.string());
}

std::string SshKey::public_line(const std::string& comment) const {
  char* base64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key_.get(), &base64) != SSH_OK || base64 == nullptr)
    throw SshError("cannot export the public half of an SSH key");
  std::string line = std::string(ssh_key_type_to_char(ssh_key_type(key_.get()))) + " " + base64;
  ssh_string_free_char(base64);
  if (!comment.empty()) line += " " + comment;
  return line;
}

}  // namespace hurdle
