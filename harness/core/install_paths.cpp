#include "core/install_paths.hpp"

#include <system_error>

namespace hurdle {

namespace fs = std::filesystem;

fs::path installed_data_directory() {
  std::error_code ec;
  const fs::path program = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = program.parent_path().parent_path() / "share" / "hurdle";
    if (fs::is_directory(beside / "machines", ec)) return beside;
  }
  return kConfiguredDataDirectory;
}

}  // namespace hurdle
