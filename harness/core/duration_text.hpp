// Durations as people read them in messages and logs: "1.25 s".
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace hurdle {

template <typename Rep, typename Period>
std::string seconds_text(std::chrono::duration<Rep, Period> d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f s", std::chrono::duration<double>(d).count());
  return buf;
}

}  // namespace hurdle
