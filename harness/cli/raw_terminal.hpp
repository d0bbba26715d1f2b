// The terminal in raw mode for as long as the object lives (keys reach a guest's console as
// typed, Ctrl-C included), restored however the command ends; and the key that leaves a
// console: Ctrl-], as telnet and virsh console use. `hurdle resume` and `hurdle vm console`.
#pragma once

#include <termios.h>
#include <unistd.h>

#include <string_view>

namespace hurdle::cli {

inline constexpr char kConsoleEscape = 0x1d;  // Ctrl-]

class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::isatty(fd_) == 0 || ::tcgetattr(fd_, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

}  // namespace hurdle::cli
