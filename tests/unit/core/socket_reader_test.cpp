// The reader thread of the console and QMP: every piece in order, a wake at the asked time
// without data, one end call whether the peer closes or the owner stops it.
#include "core/socket_reader.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

namespace hurdle {
namespace {

using Clock = std::chrono::steady_clock;

struct Seen {
  std::mutex mutex;
  std::condition_variable changed;
  std::string data;
  int wakes = 0;
  int ends = 0;

  template <typename Predicate>
  bool wait(Predicate done) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), [&] { return done(*this); });
  }
};

SocketReader::Callbacks callbacks(Seen& seen, Clock::time_point wake = Clock::time_point::max()) {
  return {[&seen](std::string_view bytes) {
            std::lock_guard lock(seen.mutex);
            seen.data.append(bytes);
            seen.changed.notify_all();
          },
          [wake] { return wake; },
          [&seen] {
            std::lock_guard lock(seen.mutex);
            ++seen.wakes;
            seen.changed.notify_all();
          },
          [&seen] {
            std::lock_guard lock(seen.mutex);
            ++seen.ends;
            seen.changed.notify_all();
          }};
}

TEST(SocketReader, HandsOverEveryPieceThenEndsOnceWhenThePeerCloses) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd ours(fds[0]);
  Seen seen;
  {
    UniqueFd peer(fds[1]);
    SocketReader reader(ours.get(), 4, callbacks(seen));
    ASSERT_EQ(::send(peer.get(), "hello, reader", 13, MSG_NOSIGNAL), 13);
    peer.reset();  // end of stream
    EXPECT_TRUE(seen.wait([](Seen& s) { return s.ends == 1; }));
  }
  EXPECT_EQ(seen.data, "hello, reader");  // in pieces of at most 4, in order
  EXPECT_EQ(seen.ends, 1);
}

TEST(SocketReader, WakesAtTheAskedTimeAndStopsOnRequest) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd ours(fds[0]), peer(fds[1]);
  Seen seen;
  SocketReader reader(ours.get(), 64, callbacks(seen, Clock::now()));
  EXPECT_TRUE(seen.wait([](Seen& s) { return s.wakes > 0; })) << "no wake without data";
  reader.stop();
  EXPECT_EQ(seen.ends, 1);
  EXPECT_TRUE(seen.data.empty());
  reader.stop();  // again: nothing more happens
  EXPECT_EQ(seen.ends, 1);
}

}  // namespace
}  // namespace hurdle
