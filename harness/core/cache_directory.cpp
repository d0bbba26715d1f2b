#include "core/cache_directory.hpp"

#include <cstdlib>

#include "core/error.hpp"

namespace hurdle {

std::filesystem::path user_cache_directory() {
  const auto set = [](const char* name) -> const char* {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : nullptr;
  };
  if (const char* dir = set("HURDLE_CACHE_DIR")) return dir;
  if (const char* xdg = set("XDG_CACHE_HOME")) return std::filesystem::path(xdg) / "hurdle";
  if (const char* home = set("HOME")) return std::filesystem::path(home) / ".cache" / "hurdle";
  throw HostError("no cache folder: set HURDLE_CACHE_DIR, XDG_CACHE_HOME or HOME");
}

}  // namespace hurdle
