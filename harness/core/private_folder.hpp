// A private directory (mode 0700) for one machine's sockets or its disk overlays, removed with
// everything in it when the object is destroyed. While it lives, its owner.lock is locked
// (flock); a run killed before it could clean up leaves a folder whose lock is free, and the
// next PrivateFolder made in the same place removes it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/file_lock.hpp"

namespace hurdle {

class PrivateFolder {
 public:
  // Creates $XDG_RUNTIME_DIR/hurdle-PREFIX-XXXXXX (or under /tmp when that is unset): kept
  // short, so that UNIX socket paths fit.
  explicit PrivateFolder(const std::string& prefix);
  // Creates BASE/hurdle-PREFIX-XXXXXX (BASE is made when missing).
  PrivateFolder(const std::string& prefix, const std::filesystem::path& base);
  ~PrivateFolder();
  PrivateFolder(const PrivateFolder&) = delete;
  PrivateFolder& operator=(const PrivateFolder&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

  // Removes the folders under `base` left by runs whose owner is gone; returns how many.
  static std::size_t sweep(const std::filesystem::path& base);

 private:
  std::filesystem::path path_;
  std::optional<FileLock> owner_;
};

}  // namespace hurdle
