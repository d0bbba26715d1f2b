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

std::filesystem::path cache_directory(const std::optional<std::filesystem::path>& given) {
  return given ? *given : user_cache_directory();
}

std::filesystem::path work_directory(const std::optional<std::filesystem::path>& given) {
  if (given) return *given;
  if (const char* env = std::getenv("HURDLE_WORK_DIR"); env != nullptr && *env != '\0') return env;
  return user_cache_directory() / "runs";
}

}  // namespace hurdle
