#include "core/wall_clock.hpp"

#include <ctime>

namespace hurdle {

std::string wall_clock_text(const char* format, TimeZone zone) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (zone == TimeZone::kUtc)
    ::gmtime_r(&now, &tm);
  else
    ::localtime_r(&now, &tm);
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, format, &tm);
  return std::string(text, n);
}

}  // namespace hurdle
