// An exclusive lock on a file in the cache (flock), held for the object's life, so that two
// hurdle processes fetching or preparing the same image take turns: the second waits, then
// finds the first one's result. The lock file stays in place (removing it would race).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>

#include "core/unique_fd.hpp"

namespace hurdle {

class FileLock {
 public:
  // Blocks until the lock is ours. `on_wait` is called once, before blocking, when another
  // process holds it (to say so). Creates the file and its folder. Throws Error on failure.
  static FileLock acquire(const std::filesystem::path& file,
                          const std::function<void()>& on_wait = {});
  // The lock if it is free now, else nullopt.
  static std::optional<FileLock> try_acquire(const std::filesystem::path& file);

  FileLock(FileLock&&) noexcept = default;
  FileLock& operator=(FileLock&&) noexcept = default;
  ~FileLock() = default;  // closing the descriptor releases the lock

  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

 private:
  FileLock(std::filesystem::path file, UniqueFd fd) : file_(std::move(file)), fd_(std::move(fd)) {}
  std::filesystem::path file_;
  UniqueFd fd_;
};

}  // namespace hurdle
