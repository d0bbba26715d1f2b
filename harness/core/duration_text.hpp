// Durations as people read them in messages and logs: "1.25 s", and "0.004 s" below 0.1 s
// (so that a limit of a few milliseconds does not print as 0.00 s).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace hurdle {

template <typename Rep, typename Period>
std::string seconds_text(std::chrono::duration<Rep, Period> d) {
  char buf[32];
  const double s = std::chrono::duration<double>(d).count();
  std::snprintf(buf, sizeof(buf), s < 0.1 ? "%.3f s" : "%.2f s", s);
  return buf;
}

// Seconds with a fixed number of decimals, as report tables show a column of times: "12.3 s".
inline std::string fixed_seconds_text(double seconds, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f s", decimals, seconds);
  return buf;
}

}  // namespace hurdle
