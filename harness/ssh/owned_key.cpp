#include "ssh/owned_key.hpp"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.hpp"
#include "core/file_lock.hpp"
#include "core/unique_fd.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

constexpr const char* kComment = "hurdle";  // no host name: the same key may move between runners

void write_private(const fs::path& file, const std::string& text) {
  const fs::path tmp = file.string() + ".new";
  ::unlink(tmp.c_str());
  const UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) throw SshError("cannot create " + tmp.string() + ": " + std::strerror(errno));
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fsync(fd.get()) != 0)
    throw SshError("cannot write " + tmp.string() + ": " + std::strerror(errno));
  if (::rename(tmp.c_str(), file.c_str()) != 0)
    throw SshError("cannot move " + tmp.string() + " into place: " + std::strerror(errno));
}

}  // namespace

OwnedKey hurdle_owned_key(const fs::path& cache_dir) {
  const fs::path dir = cache_dir / "ssh";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw SshError("cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  const fs::path file = dir / "hurdle_ed25519";
  const FileLock lock = FileLock::acquire(dir / ".lock");
  if (!fs::exists(file)) {
    const SshKey made = SshKey::generate_ed25519();
    char* text = nullptr;
    if (ssh_pki_export_privkey_base64(made.get(), nullptr, nullptr, nullptr, &text) != SSH_OK ||
        text == nullptr)
      throw SshError("cannot export the new SSH key");
    const std::string pem = text;
    ssh_string_free_char(text);
    write_private(file, pem);
    write_private(fs::path(file.string() + ".pub"), made.public_line(kComment) + "\n");
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw SshError("cannot read " + file.string() + ": " + std::strerror(errno));
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw SshError(file.string() + " is readable by others (mode " + mode +
                   "): a private key must be mode 0600; run chmod 600 on it");
  }
  SshKey key = SshKey::load(file);
  std::string line = key.public_line(kComment);
  return {std::move(key), file, std::move(line)};
}

}  // namespace hurdle
