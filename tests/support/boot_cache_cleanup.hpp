// What a test's own boot cache holds on tmpfs, given back when the test ends: its templates and
// their RAM files removed, as `hurdle cache gc --unused-days 0` does (its logs and reports
// stay). A cache in a temporary folder that is removed is swept by tmpfs_sweep.cpp instead.
#pragma once

#include <chrono>
#include <filesystem>

#include "engine/boot_cache.hpp"

namespace hurdle::test {

inline void forget_boot_cache(const std::filesystem::path& cache_dir) {
  if (std::filesystem::exists(cache_dir)) (void)BootCache::in(cache_dir).gc(std::chrono::hours(0));
}

}  // namespace hurdle::test
