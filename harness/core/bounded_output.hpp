// A command's stdout or stderr kept within a limit, so that `cat /dev/zero` cannot exhaust
// memory: the first half of the limit and the last half are kept, and the bytes between them
// are counted. Used by SshSession for every command it runs, and for imported tests' output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hurdle {

class BoundedOutput {
 public:
  static constexpr std::size_t kDefaultLimit = 8 * 1024 * 1024;

  explicit BoundedOutput(std::size_t limit = kDefaultLimit);

  void append(const char* bytes, std::size_t length);

  // Everything, when it fitted; else the head, a line "[... N bytes not kept ...]", the tail.
  [[nodiscard]] std::string text() const;
  [[nodiscard]] std::uint64_t total() const { return total_; }
  [[nodiscard]] bool truncated() const { return total_ > limit_; }

 private:
  std::size_t limit_;
  std::size_t head_limit_;
  std::size_t tail_limit_;
  std::string head_;
  std::string tail_;  // grows to twice tail_limit_, then drops its front
  std::uint64_t total_ = 0;
};

}  // namespace hurdle
