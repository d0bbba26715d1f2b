// What a running QEMU costs the host, read from /proc and the disk files: resident and
// proportional memory, CPU time, and the space its overlays take. `hurdle vm stats` and
// `health --watch` print it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

namespace hurdle {

// {"pid", "rss_bytes", "pss_bytes", "cpu_seconds", "threads", "disks": [{"file",
// "allocated_bytes", "size_bytes"}], "disk_allocated_bytes"}; a process that is gone gives
// {"pid", "running": false}.
nlohmann::json vm_stats(pid_t pid, const std::vector<std::filesystem::path>& disk_files);

}  // namespace hurdle
