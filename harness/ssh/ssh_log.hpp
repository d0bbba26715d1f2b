// ssh.log: every command run over SSH, its status, its time, and the first and last KB of its
// stdout and stderr; connections, host keys and transfers too. A LogFile: secrets registered
// with add_secret() (passwords) are replaced by "********", guest bytes made safe. Thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "core/log_file.hpp"
#include "ssh/command_result.hpp"

namespace hurdle {

class SshLog {
 public:
  explicit SshLog(const std::filesystem::path& file);

  void add_secret(const std::string& secret);
  void line(const std::string& text);
  void command(const CommandResult& result);

  [[nodiscard]] const std::filesystem::path& path() const { return file_.path(); }

 private:
  LogFile file_;
};

}  // namespace hurdle
