// HostService against real clients on 127.0.0.1: curl speaks HTTP to it, plain sockets send
// lines, hostile requests (endless, stalled) are bounded and cannot hold the service, and a
// wait names what came when the awaited request does not.
#include "host/host_service.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <thread>

#include "core/error.hpp"
#include "core/run_program.hpp"
#include "core/unix_socket.hpp"

namespace hurdle {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

UniqueFd connect_to(std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw Error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
  return fd;
}

// Everything the service sends until it closes the connection.
std::string read_to_end(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

TEST(HostService, AnswersCurlOverHttpAndRecordsTheRequest) {
  std::vector<std::string> log;
  std::mutex log_mutex;
  HostServiceOptions options;
  options.name = "web";
  options.reply = "pong\n";
  options.log = [&](const std::string& line) {
    std::lock_guard lock(log_mutex);
    log.push_back(line);
  };
  HostService web(options);
  const std::string url = "http://127.0.0.1:" + std::to_string(web.port()) + "/probe?from=guest";
  const ProgramResult curl =
      run_program({"curl", "-sS", "--max-time", "10", "-A", "hurdle-test", url});
  ASSERT_TRUE(curl.ok()) << curl.err;
  EXPECT_EQ(curl.out, "pong\n");

  const auto request = web.wait_for_request(RE2("^GET /probe\\?from=guest HTTP/1\\.1\r\n"), 5s);
  ASSERT_TRUE(request);
  EXPECT_TRUE(request->complete);
  EXPECT_THAT(request->text, HasSubstr("User-Agent: hurdle-test\r\n"));
  EXPECT_EQ(web.connections(), 1u);
  std::lock_guard lock(log_mutex);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_THAT(log[0], HasSubstr("host service web (127.0.0.1:" + std::to_string(web.port())));
  EXPECT_THAT(log[0], HasSubstr("complete: 'GET /probe?from=guest HTTP/1.1'"));
}

TEST(HostService, TheHttpReplyHasItsLengthAndCloses) {
  HostServiceOptions options;
  options.reply = "twelve bytes";
  HostService web(options);
  const UniqueFd client = connect_to(web.port());
  const std::string request = "GET / HTTP/1.0\r\nHost: x\r\n\r\n";
  write_all(client.get(), request.data(), request.size(), "test client");
  EXPECT_EQ(read_to_end(client.get()),
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
            "Connection: close\r\n\r\ntwelve bytes");
}

TEST(HostService, ALineServiceAnswersEachConnectionAfterItsFirstLine) {
  HostServiceOptions options;
  options.name = "echo";
  options.protocol = HostServiceOptions::Protocol::kLine;
  options.reply = "hi guest\n";
  HostService echo(options);
  for (const std::string line : {"first\n", "second\nand more\n"}) {
    const UniqueFd client = connect_to(echo.port());
    write_all(client.get(), line.data(), line.size(), "test client");
    EXPECT_EQ(read_to_end(client.get()), "hi guest\n");
  }
  const auto second = echo.wait_for_request(RE2("^second\n"), 5s);
  ASSERT_TRUE(second);
  EXPECT_EQ(echo.requests().size(), 2u);
  EXPECT_EQ(echo.requests()[0].text, "first\n");
}

TEST(HostService, AnEndlessRequestIsCutAtItsBoundAndCounted) {
  HostServiceOptions options;
  options.protocol = HostServiceOptions::Protocol::kLine;
  HostService service(options);
  const UniqueFd client = connect_to(service.port());
  // 1 MiB without a newline: the service keeps 64 KiB, answers, and closes.
  const std::string flood(1024 * 1024, 'x');
  std::thread writer([&] {
    try {
      write_all(client.get(), flood.data(), flood.size(), "test client");
    } catch (const Error&) {
      // the service closed its side once it had enough
    }
  });
  const auto request = service.wait_for_request(RE2("^x"), 10s);
  writer.join();
  ASSERT_TRUE(request);
  EXPECT_FALSE(request->complete);
  EXPECT_EQ(request->text.size(), HostService::kMaxRequestBytes);
  EXPECT_GE(request->bytes, HostService::kMaxRequestBytes);
}

TEST(HostService, AStalledClientIsAnsweredAfterItsTimeOutAndTheNextIsServed) {
  HostServiceOptions options;
  options.protocol = HostServiceOptions::Protocol::kLine;
  options.reply = "late\n";
  options.connection_timeout = 300ms;
  HostService service(options);
  const UniqueFd stalled = connect_to(service.port());
  const std::string partial = "no newline";
  write_all(stalled.get(), partial.data(), partial.size(), "test client");
  const UniqueFd next = connect_to(service.port());
  write_all(next.get(), "ok\n", 3, "test client");
  EXPECT_EQ(read_to_end(next.get()), "late\n");  // served once the stalled one timed out
  EXPECT_EQ(read_to_end(stalled.get()), "late\n");
  ASSERT_EQ(service.requests().size(), 2u);
  EXPECT_EQ(service.requests()[0].text, "no newline");
  EXPECT_FALSE(service.requests()[0].complete);
  EXPECT_TRUE(service.requests()[1].complete);
}

TEST(HostService, AWaitThatSeesNoMatchNamesWhatCame) {
  HostServiceOptions options;
  options.name = "web";
  HostService web(options);
  const UniqueFd client = connect_to(web.port());
  const std::string request = "GET /other HTTP/1.0\r\n\r\n";
  write_all(client.get(), request.data(), request.size(), "test client");
  (void)read_to_end(client.get());
  try {
    (void)web.wait_for_request(RE2("^GET /probe"), 300ms);
    FAIL() << "no time-out";
  } catch (const TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("host service web"));
    EXPECT_THAT(e.what(), HasSubstr("no request matching '^GET /probe' within 0.30 s"));
    EXPECT_THAT(e.what(), HasSubstr("1 connection(s) came, the last one sent 'GET /other "
                                    "HTTP/1.0'"));
  }
}

TEST(HostService, AWaitEndsWhenItsStopDescriptorFires) {
  HostService web({});
  const UniqueFd stop(::eventfd(0, EFD_CLOEXEC));
  const auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    const std::uint64_t one = 1;
    (void)::write(stop.get(), &one, sizeof one);
  });
  EXPECT_FALSE(web.wait_for_request(RE2("x"), 30s, stop.get()));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(HostService, ItListensOnLoopbackOnly) {
  HostService web({});
  const ProgramResult ss = run_program({"ss", "-Hltn", "sport = :" + std::to_string(web.port())});
  ASSERT_TRUE(ss.ok()) << ss.err;
  const std::string port = std::to_string(web.port());
  EXPECT_THAT(ss.out, HasSubstr(" 127.0.0.1:" + port + " "));
  EXPECT_THAT(ss.out, ::testing::Not(HasSubstr("0.0.0.0:" + port)));
  EXPECT_THAT(ss.out, ::testing::Not(HasSubstr("*:" + port)));
}

}  // namespace
}  // namespace hurdle
