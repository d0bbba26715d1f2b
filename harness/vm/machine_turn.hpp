// Whose turn it is on a supervisor's machine: one command at a time (a boot, a snapshot, an SSH
// command), the others waiting with a deadline. Not std::timed_mutex: its timed lock is
// pthread_mutex_clocklock, which clang 14's ThreadSanitizer does not intercept (it then
// reports every unlock as one of an unlocked mutex).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

namespace hurdle {

class MachineTurn {
 public:
  // The turn, held until the object is destroyed (or moved from).
  class Held {
   public:
    Held() = default;
    explicit Held(MachineTurn* turn) : turn_(turn) {}
    Held(Held&& other) noexcept : turn_(std::exchange(other.turn_, nullptr)) {}
    Held& operator=(Held&& other) noexcept {
      if (this != &other) {
        release();
        turn_ = std::exchange(other.turn_, nullptr);
      }
      return *this;
    }
    ~Held() { release(); }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    [[nodiscard]] bool held() const { return turn_ != nullptr; }

   private:
    void release() {
      if (turn_ != nullptr) std::exchange(turn_, nullptr)->give_back();
    }
    MachineTurn* turn_ = nullptr;
  };

  // The turn once it is free, or an empty Held when the deadline comes first.
  [[nodiscard]] Held take_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (!free_.wait_until(lock, deadline, [this] { return !busy_; })) return {};
    busy_ = true;
    return Held(this);
  }
  [[nodiscard]] Held take() { return take_until(std::chrono::steady_clock::time_point::max()); }

 private:
  void give_back() {
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
    }
    free_.notify_one();
  }

  std::mutex mutex_;
  std::condition_variable free_;
  bool busy_ = false;
};

}  // namespace hurdle
