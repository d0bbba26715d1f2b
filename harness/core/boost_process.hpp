// Boost.Process v2 as hurdle uses it (private to the library and tests, never installed API).
// Boost 1.81's v2 headers use boost::optional and boost's type traits without including them;
// include those first, so every user of Boost.Process goes through this one header.
#pragma once

#include <boost/optional.hpp>
#include <boost/type_traits.hpp>

#include <boost/asio.hpp>
#include <boost/process/v2.hpp>

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <vector>

namespace hurdle {

// Pass to every launch (bp::process(ctx, exe, args, stdio, CloseInheritedFds{}, ...)): in the
// child, closes every descriptor but the launcher's whitelist (0, 1, 2 and its exec-error
// pipe) before exec. Boost 1.81's Linux close_all compares each whitelist entry with itself and
// so leaves open every descriptor below the last one; a child then inherited the pipe ends
// another thread had just made for its own child (Boost's pipes are not close-on-exec), and
// when that child was a QEMU, the other thread's run_program waited for an end of file that
// QEMU held for its whole life (eight machines started at once hung in `qemu-img create`).
struct CloseInheritedFds {
  template <typename Launcher>
  boost::system::error_code on_exec_setup(Launcher& launcher, const std::filesystem::path&,
                                          const char* const*&) {
    std::vector<int> keep = launcher.fd_whitelist;
    std::sort(keep.begin(), keep.end());
    unsigned from = 0;
    for (const int fd : keep) {
      if (fd < 0) continue;
      const auto at = static_cast<unsigned>(fd);
      if (at > from) close_between(from, at - 1);
      from = std::max(from, at + 1);
    }
    close_between(from, UINT_MAX);
    return {};
  }

 private:
  // close_range(2), or one close() at a time where the kernel lacks it (before 5.9).
  static void close_between(unsigned first, unsigned last) {
    if (::syscall(SYS_close_range, first, last, 0) == 0) return;
    const long open_max = ::sysconf(_SC_OPEN_MAX);
    const unsigned end = std::min<unsigned>(last, open_max > 0 ? open_max - 1 : 1023);
    for (unsigned fd = first; fd <= end; ++fd) ::close(static_cast<int>(fd));
  }
};

}  // namespace hurdle
