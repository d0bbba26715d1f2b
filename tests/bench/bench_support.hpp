// What the benchmarks that boot guests share: percentiles of their samples, the machine
// options they run with (TCG, this repository's profiles, logs in a folder of the bench's),
// and the OpenSSH command lines of their baselines.
#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "machine/machine.hpp"

namespace hurdle::bench {

// Milliseconds since `start`, on the steady clock.
inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

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

// The options of every OpenSSH baseline (ssh and scp): no host-key prompt or file, no
// password prompt, no user configuration, errors only.
inline std::vector<std::string> openssh_options() {
  return {"-o", "StrictHostKeyChecking=no",
          "-o", "UserKnownHostsFile=/dev/null",
          "-o", "BatchMode=yes",
          "-o", "LogLevel=ERROR",
          "-F", "/dev/null"};
}

// `ssh -p PORT OPTIONS root@127.0.0.1 COMMAND`, giving up on a connection after
// `connect_timeout_s` (a guest still booting is polled with it).
inline std::vector<std::string> openssh_argv(int port, const std::string& command,
                                             int connect_timeout_s = 2) {
  std::vector<std::string> argv = {"ssh", "-p", std::to_string(port)};
  for (auto& o : openssh_options()) argv.push_back(std::move(o));
  argv.insert(argv.end(), {"-o", "ConnectTimeout=" + std::to_string(connect_timeout_s),
                           "root@127.0.0.1", command});
  return argv;
}

}  // namespace hurdle::bench
