// What the benchmarks that boot guests share: percentiles of their samples, and the machine
// options they run with (TCG, this repository's profiles, logs in a folder of the bench's).
#pragma once

#include <algorithm>
#include <filesystem>
#include <vector>

#include "machine/machine.hpp"

namespace hurdle::bench {

// The p-th percentile (0..1) of `v`, nearest rank; 0 for no samples.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto at = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(at, v.size() - 1)];
}

inline MachineOptions machine_options(const std::filesystem::path& logs) {
  MachineOptions o;
  o.accel = Accelerator::kTcg;
  o.log_dir = logs;
  o.profile_path = {std::filesystem::path(HURDLE_BENCH_SOURCE_DIR) / "fixtures" / "machines"};
  return o;
}

}  // namespace hurdle::bench
