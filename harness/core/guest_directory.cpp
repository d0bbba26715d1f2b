#include "core/guest_directory.hpp"

#include <cstdlib>
#include <system_error>

#include "core/cache_directory.hpp"

namespace hurdle {

namespace fs = std::filesystem;

fs::path test_guest_directory() {
  if (const char* dir = std::getenv("HURDLE_GUEST_DIR"); dir != nullptr && *dir != '\0') return dir;
  std::error_code ec;
  const fs::path program = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = program.parent_path().parent_path() / "guests";
    if (fs::is_directory(beside, ec)) return beside;
  }
  return user_cache_directory() / "guests";
}

}  // namespace hurdle
