// QmpClient over a socketpair, with a scripted QEMU on the other end: the greeting and
// capabilities, replies matched to commands by id (out of order too), QEMU's errors as
// QmpError with their class, events kept for wait_for_event after a mark, and QEMU's hostile
// or broken output (garbage lines, a reply to nobody, an over-long line, a closed socket)
// never taken for an answer.
#include "qmp/qmp_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using ::testing::HasSubstr;

// The QEMU side: reads the client's lines, and for each command calls `answer`, which writes
// what QEMU would (any text, any number of lines) through `send`.
class FakeQemu {
 public:
  using Send = std::function<void(const std::string&)>;
  using Answer = std::function<void(const Json& request, const Send& send)>;

  explicit FakeQemu(Answer answer,
                    std::string greeting =
                        R"({"QMP": {"version": {"qemu": )"
                        R"({"major": 7, "minor": 2, "micro": 22}}, "capabilities": []}})")
      : answer_(std::move(answer)) {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    client_ = UniqueFd(fds[0]);
    qemu_ = UniqueFd(fds[1]);
    thread_ = std::thread([this, greeting] { serve(greeting); });
  }
  ~FakeQemu() {
    close_now();
    thread_.join();
  }
  UniqueFd take_client_end() { return std::move(client_); }
  void close_now() { ::shutdown(qemu_.get(), SHUT_RDWR); }
  void send(const std::string& text) {
    const std::string line = text + "\n";
    for (std::size_t done = 0; done < line.size();) {
      const ssize_t n = ::write(qemu_.get(), line.data() + done, line.size() - done);
      if (n <= 0) return;  // the client went away
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  void serve(const std::string& greeting) {
    send(greeting);
    std::string pending;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(qemu_.get(), buf, sizeof buf);
      if (n <= 0) return;
      pending.append(buf, static_cast<std::size_t>(n));
      for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
        const Json request = Json::parse(pending.substr(0, nl));
        pending.erase(0, nl + 1);
        if (request["execute"] == "qmp_capabilities") {
          send(R"({"return": {}, "id": )" + request["id"].dump() + "}");
          continue;
        }
        answer_(request, [this](const std::string& text) { send(text); });
      }
    }
  }

  Answer answer_;
  UniqueFd client_, qemu_;
  std::thread thread_;
};

struct Transcript {
  PrivateFolder dir{"qmp-test"};
  [[nodiscard]] std::filesystem::path file() const { return dir.path() / "qmp.log"; }
};

std::string reply(const Json& request, const std::string& body) {
  return "{" + body + R"(, "id": )" + request["id"].dump() + "}";
}

TEST(QmpClient, GreetsNegotiatesAndMatchesRepliesById) {
  FakeQemu qemu([](const Json& r, const FakeQemu::Send& send) {
    if (r["execute"] == "query-status")
      send(reply(r, R"("return": {"status": "running", "running": true})"));
    if (r["execute"] == "echo") send(reply(r, R"("return": )" + r["arguments"]["text"].dump()));
  });
  Transcript t;
  QmpClient qmp(qemu.take_client_end(), t.file(), 5s);
  EXPECT_EQ(qmp.qemu_version(), "7.2.22");
  EXPECT_EQ(qmp.execute("query-status")["status"], "running");
  EXPECT_EQ(qmp.execute("echo", {{"text", "hello"}}), "hello");
  const std::string log = test::read_file(t.file());
  EXPECT_THAT(log, HasSubstr(R"(-> {"execute":"query-status")"));
  EXPECT_THAT(log, HasSubstr(R"("status": "running")"));
}

TEST(QmpClient, RepliesOutOfOrderReachTheirOwnCommands) {
  // The first command's reply is held back until the second one came: each gets its own.
  std::string held;
  FakeQemu qemu([&](const Json& r, const FakeQemu::Send& send) {
    if (r["execute"] == "slow") {
      held = reply(r, R"("return": "slow")");
      return;
    }
    send(reply(r, R"("return": "fast")"));
    send(held);
  });
  Transcript t;
  QmpClient qmp(qemu.take_client_end(), t.file(), 5s);
  std::string slow;
  std::thread first([&] { slow = qmp.execute("slow").get<std::string>(); });
  std::this_thread::sleep_for(200ms);  // the slow command is sent first
  EXPECT_EQ(qmp.execute("fast"), "fast");
  first.join();
  EXPECT_EQ(slow, "slow");
}

TEST(QmpClient, QemusErrorIsAQmpErrorWithItsClass) {
  FakeQemu qemu([](const Json& r, const FakeQemu::Send& send) {
    send(reply(r, R"("error": {"class": "DeviceNotFound", "desc": "Device 'nope' not found"})"));
  });
  Transcript t;
  QmpClient qmp(qemu.take_client_end(), t.file(), 5s);
  try {
    (void)qmp.execute("device_del", {{"id", "nope"}});
    FAIL() << "expected a QmpError";
  } catch (const QmpError& e) {
    EXPECT_EQ(e.command(), "device_del");
    EXPECT_EQ(e.error_class(), "DeviceNotFound");
    EXPECT_THAT(e.what(), HasSubstr("Device 'nope' not found"));
  }
}

TEST(QmpClient, EventsAreKeptAndFoundAfterAMark) {
  FakeQemu qemu([](const Json& r, const FakeQemu::Send& send) {
    send(R"({"event": "STOP", "data": {}, "timestamp": {"seconds": 1, "microseconds": 0}})");
    send(R"({"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}})");
    send(reply(r, R"("return": {})"));
  });
  Transcript t;
  QmpClient qmp(qemu.take_client_end(), t.file(), 5s);
  const auto mark = qmp.event_mark();
  (void)qmp.execute("system_powerdown");
  const Json shutdown = qmp.wait_for_event(
      "SHUTDOWN", [](const Json& e) { return e["data"].value("guest", false); }, 5s, mark);
  EXPECT_EQ(shutdown["data"]["reason"], "guest-shutdown");
  // Taken from the queue: it is not found twice.
  EXPECT_THROW((void)qmp.wait_for_event("SHUTDOWN", {}, 200ms, mark), TimeoutError);
  EXPECT_EQ(qmp.wait_for_event("STOP", {}, 1s, mark)["event"], "STOP");
}

TEST(QmpClient, GarbageAndRepliesToNobodyAreNotAnswers) {
  FakeQemu qemu([](const Json& r, const FakeQemu::Send& send) {
    send("this is not JSON {{{");
    send("\x1b[31m\xff\xfe");
    send(R"({"return": "for someone else", "id": "hurdle-999"})");
    send(R"({"return": "no id at all"})");
    send(R"(["an", "array"])");
    send(std::string(70 * 1024 * 1024, 'x'));  // longer than any QMP line: dropped
    send(reply(r, R"("return": "the real one")"));
  });
  Transcript t;
  QmpClient qmp(qemu.take_client_end(), t.file(), 5s);
  EXPECT_EQ(qmp.execute("query-version", {}, 30s), "the real one");
  EXPECT_THAT(test::read_file(t.file()), HasSubstr("too long to be QMP: dropped"));
}

TEST(QmpClient, NoReplyIsATimeOutNamingTheCommand) {
  FakeQemu qemu([](const Json&, const FakeQemu::Send&) {});
  Transcript t;
  QmpClient qmp(qemu.take_client_end(), t.file(), 5s);
  try {
    (void)qmp.execute("query-block", {}, 300ms);
    FAIL() << "expected a time-out";
  } catch (const TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("QMP command 'query-block' got no reply within"));
  }
}

TEST(QmpClient, AClosedConnectionEndsAWaitAtOnceAndCallsTheHandler) {
  FakeQemu* fake = nullptr;
  FakeQemu qemu([&](const Json&, const FakeQemu::Send&) { fake->close_now(); });
  fake = &qemu;
  Transcript t;
  bool handler_called = false;
  QmpClient qmp(qemu.take_client_end(), t.file(), 5s, [&] { handler_called = true; });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)qmp.execute("quit", {}, 30s), QmpError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);  // not the 30 s time-out
  EXPECT_TRUE(handler_called);
  EXPECT_TRUE(qmp.closed());
}

TEST(QmpClient, NoGreetingIsATimeOut) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd silent_qemu(fds[1]);
  Transcript t;
  try {
    QmpClient qmp{UniqueFd(fds[0]), t.file(), 300ms};
    FAIL() << "expected a time-out";
  } catch (const TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("QEMU sent no QMP greeting within"));
  }
}

}  // namespace
}  // namespace hurdle
