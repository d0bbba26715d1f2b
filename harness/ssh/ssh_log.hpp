// ssh.log: every command run over SSH, its status, its time, and the first and last KB of its
// stdout and stderr; connections, host keys and transfers too. Secrets registered with
// add_secret() (passwords) are replaced by "********" in everything written. Thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "ssh/command_result.hpp"

namespace hurdle {

class SshLog {
 public:
  explicit SshLog(const std::filesystem::path& file);

  void add_secret(const std::string& secret);
  void line(const std::string& text);
  void command(const CommandResult& result);

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  [[nodiscard]] std::string redacted(std::string text) const;
  void write(const std::string& text);

  std::filesystem::path path_;
  std::mutex mutex_;
  std::ofstream out_;
  std::vector<std::string> secrets_;
  std::chrono::system_clock::time_point opened_;
};

}  // namespace hurdle
