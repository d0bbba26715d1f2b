// A log a person reads (machine.log, qmp.log, ssh.log): one entry per call, its first line
// stamped, every text made safe (safe_text: guest bytes can neither corrupt the file nor drive
// the terminal it is viewed on) and registered secrets masked. Appends, flushes each entry, and
// is thread-safe. Machine, QmpClient and SshLog each own one.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret_mask.hpp"

namespace hurdle {

// The last `bytes` of a log file (reading only those), for an error that quotes how a
// program ended; empty when the file is not there.
[[nodiscard]] std::string file_tail(const std::filesystem::path& file, std::size_t bytes);

class LogFile {
 public:
  enum class Stamp {
    kElapsed,    // "   12.345 ": seconds since count_from()'s time (0 until it is called)
    kLocalTime,  // "09:07:28 ": the wall clock, local time
  };

  LogFile(const std::filesystem::path& file, Stamp stamp);

  // Elapsed stamps count from `start` (a machine's QEMU start, a connection's opening).
  void count_from(std::chrono::steady_clock::time_point start);
  // Every later entry shows "********" instead of `secret` (passwords, secret variables).
  void add_secret(const std::string& secret);
  void write(std::string_view entry);

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  [[nodiscard]] std::string stamp() const;

  std::filesystem::path path_;
  Stamp stamp_;
  mutable std::mutex mutex_;
  std::ofstream out_;
  SecretMask secrets_;
  std::chrono::steady_clock::time_point start_{};
};

}  // namespace hurdle
