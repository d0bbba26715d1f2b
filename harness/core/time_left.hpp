// What is left of a deadline, never negative: each wait of a multi-step operation gets the
// rest of the one time-out the caller gave.
#pragma once

#include <algorithm>
#include <chrono>

namespace hurdle {

inline std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()));
}

}  // namespace hurdle
