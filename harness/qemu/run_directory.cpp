#include "qemu/run_directory.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

#include "core/error.hpp"

namespace hurdle {

RunDirectory::RunDirectory(const std::string& prefix) {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::filesystem::path base =
      (runtime != nullptr && *runtime != '\0' && std::filesystem::is_directory(runtime))
          ? std::filesystem::path(runtime)
          : std::filesystem::path("/tmp");
  std::string tmpl = (base / ("hurdle-" + prefix.substr(0, 24) + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {  // mkdtemp creates it with mode 0700
    throw Error("cannot create a run directory from " + tmpl + ": " + std::strerror(errno));
  }
  path_ = buf.data();
}

RunDirectory::~RunDirectory() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace hurdle
