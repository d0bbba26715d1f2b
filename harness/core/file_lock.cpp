#include "core/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace hurdle {

namespace {

UniqueFd open_lock_file(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid())
    throw HostError("cannot open the lock file " + file.string() + ": " + std::strerror(errno));
  return fd;
}

// flock, retried when a signal interrupts it.
int lock(int fd, int operation) {
  int rc = 0;
  do {
    rc = ::flock(fd, operation);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

}  // namespace

FileLock FileLock::acquire(const std::filesystem::path& file,
                           const std::function<void()>& on_wait) {
  UniqueFd fd = open_lock_file(file);
  if (lock(fd.get(), LOCK_EX | LOCK_NB) == 0) return {file, std::move(fd)};
  if (errno != EWOULDBLOCK)
    throw HostError("cannot lock " + file.string() + ": " + std::strerror(errno));
  if (on_wait) on_wait();
  if (lock(fd.get(), LOCK_EX) != 0)
    throw HostError("cannot lock " + file.string() + ": " + std::strerror(errno));
  return {file, std::move(fd)};
}

std::optional<FileLock> FileLock::try_acquire(const std::filesystem::path& file) {
  UniqueFd fd = open_lock_file(file);
  if (lock(fd.get(), LOCK_EX | LOCK_NB) == 0) return FileLock(file, std::move(fd));
  if (errno != EWOULDBLOCK)
    throw HostError("cannot lock " + file.string() + ": " + std::strerror(errno));
  return std::nullopt;
}

}  // namespace hurdle
