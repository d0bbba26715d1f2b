#include "core/bounded_output.hpp"

#include <algorithm>

namespace hurdle {

BoundedOutput::BoundedOutput(std::size_t limit)
    : limit_(std::max<std::size_t>(limit, 2)),
      head_limit_(limit_ / 2),
      tail_limit_(limit_ - limit_ / 2) {}

void BoundedOutput::append(const char* bytes, std::size_t length) {
  total_ += length;
  const std::size_t to_head = std::min(length, head_limit_ - head_.size());
  head_.append(bytes, to_head);
  bytes += to_head;
  length -= to_head;
  if (length == 0) return;
  if (length >= tail_limit_) {
    tail_.assign(bytes + length - tail_limit_, tail_limit_);
    return;
  }
  tail_.append(bytes, length);
  // Dropped in large steps only: amortised O(1) per byte.
  if (tail_.size() >= 2 * tail_limit_) tail_.erase(0, tail_.size() - tail_limit_);
}

std::string BoundedOutput::text() const {
  if (!truncated()) return head_ + tail_;
  const std::size_t tail = std::min(tail_.size(), tail_limit_);
  return head_ + "\n[... " + std::to_string(total_ - head_.size() - tail) +
         " bytes not kept ...]\n" + tail_.substr(tail_.size() - tail);
}

}  // namespace hurdle
