// The QMP client reading whatever the other end of its socket sends (here, the fuzzer's bytes,
// then end of stream): it connects, or fails with hurdle's own error, and never crashes, hangs
// or grows without bound.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "core/unix_socket.hpp"
#include "fuzz_input.hpp"
#include "qmp/qmp_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    hurdle::fuzz::finding("socketpair failed");
  hurdle::UniqueFd ours(fds[0]);
  {
    hurdle::UniqueFd peer(fds[1]);
    // What does not fit in the socket's buffer (hundreds of KiB) is left out.
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::send(peer.get(), data + done, size - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
  }  // the peer closes: end of stream after the fuzzer's bytes
  const auto transcript = hurdle::fuzz::as_file("", "qmp.log");
  try {
    hurdle::QmpClient client(std::move(ours), transcript, std::chrono::seconds(5));
    // Greeted and answered: whatever it says, the client must stay usable to ask.
    (void)client.greeting();
  } catch (const hurdle::Error&) {
  } catch (const std::exception& e) {
    hurdle::fuzz::finding(std::string("QmpClient threw something else than hurdle::Error: ") +
                          e.what());
  }
  return 0;
}
