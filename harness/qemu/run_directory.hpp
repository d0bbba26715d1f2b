// A private directory (mode 0700) for one machine's sockets and scratch files, removed with
// everything in it when the object is destroyed. Kept short so UNIX socket paths fit.
#pragma once

#include <filesystem>
#include <string>

namespace hurdle {

class RunDirectory {
 public:
  // Creates $XDG_RUNTIME_DIR/hurdle-PREFIX-XXXXXX, or under /tmp when that is unset.
  explicit RunDirectory(const std::string& prefix);
  ~RunDirectory();
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace hurdle
