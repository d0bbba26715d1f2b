#include "core/private_folder.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

#include "core/error.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

constexpr const char* kOwnerLock = "owner.lock";

fs::path runtime_base() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  return (runtime != nullptr && *runtime != '\0' && fs::is_directory(runtime)) ? fs::path(runtime)
                                                                               : fs::path("/tmp");
}

}  // namespace

PrivateFolder::PrivateFolder(const std::string& prefix) : PrivateFolder(prefix, runtime_base()) {}

PrivateFolder::PrivateFolder(const std::string& prefix, const fs::path& base) {
  std::error_code ec;
  fs::create_directories(base, ec);
  sweep(base);
  std::string tmpl = (base / ("hurdle-" + prefix.substr(0, 24) + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {  // mkdtemp creates it with mode 0700
    throw HostError("cannot create a run directory from " + tmpl + ": " + std::strerror(errno));
  }
  path_ = buf.data();
  // Locked under another name, then renamed: a sweep never sees an owner.lock that is not yet
  // held (it would take the folder for a dead run's).
  owner_ = FileLock::acquire(path_ / ".owner.lock.new");
  fs::rename(path_ / ".owner.lock.new", path_ / kOwnerLock);
}

PrivateFolder::~PrivateFolder() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::size_t PrivateFolder::sweep(const fs::path& base) {
  std::size_t removed = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(base, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const fs::path dir = it->path();
    if (dir.filename().string().rfind("hurdle-", 0) != 0 || !it->is_directory(ec)) continue;
    // A folder without owner.lock is being made, or is not one of these: left alone.
    if (!fs::exists(dir / kOwnerLock, ec)) continue;
    try {
      if (auto lock = FileLock::try_acquire(dir / kOwnerLock)) {
        std::error_code gone;
        fs::remove_all(dir, gone);
        if (!gone) ++removed;
      }
    } catch (const Error&) {
      // Not ours to judge (no permission): left alone.
    }
  }
  return removed;
}

}  // namespace hurdle
