// A console command to a program that answers line commands (mach-probe's kind): the program's
// side is played over a socket pair, byte for byte as the probe answers (its echo, its output,
// the status line, the prompt), so that what run_line_command takes as output and status, and
// what it refuses, is seen exactly.
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "console/console_command.hpp"
#include "core/error.hpp"

namespace hurdle {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

const StatusLinePatterns kStatus{"ok", "error: .*"};

// The program: `answer` gets each line hurdle sends and returns what the program prints.
class LineProgram {
 public:
  explicit LineProgram(std::function<std::string(const std::string&)> answer,
                       const std::string& first = "") {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) throw std::runtime_error("socketpair");
    far_ = UniqueFd(fds[1]);
    ConsoleOptions options;
    options.machine_name = "probe";
    options.shell_prompt = "mach-probe> $";
    console_ = std::make_unique<SerialConsole>(UniqueFd(fds[0]), options);
    if (!first.empty()) write(first);
    thread_ = std::thread([this, answer = std::move(answer)] {
      std::string line;
      char c;
      while (::read(far_.get(), &c, 1) == 1) {
        received_ += c;
        if (c != '\n') {
          line += c;
          continue;
        }
        write(answer(line));
        line.clear();
      }
    });
  }
  ~LineProgram() {
    console_.reset();
    ::shutdown(far_.get(), SHUT_RDWR);
    thread_.join();
  }
  LineProgram(const LineProgram&) = delete;
  LineProgram& operator=(const LineProgram&) = delete;

  SerialConsole& console() { return *console_; }
  [[nodiscard]] const std::string& received() const { return received_; }

 private:
  void write(const std::string& text) {
    if (!text.empty()) (void)!::write(far_.get(), text.data(), text.size());
  }

  UniqueFd far_;
  std::unique_ptr<SerialConsole> console_;
  std::thread thread_;
  std::string received_;
};

// As the probe answers: the echo of the line, then `body`, then the prompt.
std::function<std::string(const std::string&)> probe(const std::string& body) {
  return [body](const std::string& line) { return line + "\r\n" + body + "mach-probe> "; };
}

TEST(LineCommand, TheOutputIsBetweenTheEchoAndTheStatusLine) {
  LineProgram program(probe("hello\r\nworld\r\nok\r\n"));
  const ConsoleCommandResult r = run_line_command(program.console(), "greet", kStatus, 5s);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.output, "hello\nworld\n");
}

TEST(LineCommand, AnErrorLineIsStatusOneAndStaysInTheOutput) {
  LineProgram program(probe("error: unknown command frob\r\n"));
  const ConsoleCommandResult r = run_line_command(program.console(), "frob", kStatus, 5s);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.output, "error: unknown command frob\n");
}

TEST(LineCommand, OutputThatReadsLikeAStatusIsOutputOnlyTheLastLineCounts) {
  LineProgram program(probe("ok\r\nerror: not really\r\nok\r\n"));
  const ConsoleCommandResult r = run_line_command(program.console(), "echo ok", kStatus, 5s);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.output, "ok\nerror: not really\n");
}

TEST(LineCommand, APromptNobodyReadIsSkippedAndSoIsWhatCameBeforeTheEcho) {
  // The prompt after the boot, and another for an empty line, both unread.
  LineProgram program(probe("value 0\r\nok\r\n"),
                      "mach-probe ready\r\nmach-probe> \r\nmach-probe> ");
  std::this_thread::sleep_for(100ms);  // both prompts are in before the command goes
  const ConsoleCommandResult r = run_line_command(program.console(), "get", kStatus, 5s);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.output, "value 0\n");
}

TEST(LineCommand, AProgramThatDoesNotEchoIsReadAsWell) {
  LineProgram program([](const std::string&) { return "value 3\r\nok\r\nmach-probe> "; },
                      "banner\r\nmach-probe> ");
  std::this_thread::sleep_for(100ms);
  const ConsoleCommandResult r = run_line_command(program.console(), "get", kStatus, 5s);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.output, "value 3\n");
}

TEST(LineCommand, ALineThatIsNoStatusBeforeThePromptIsRefused) {
  LineProgram program(probe("value 0\r\n"));
  try {
    (void)run_line_command(program.console(), "get", kStatus, 5s);
    FAIL() << "a command without a status line passed";
  } catch (const ConsoleError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no status line"));
    EXPECT_THAT(e.what(), HasSubstr("value 0"));
  }
}

TEST(LineCommand, NoStatusLineAtAllIsRefused) {
  LineProgram program(probe(""));
  EXPECT_THROW((void)run_line_command(program.console(), "get", kStatus, 5s), ConsoleError);
}

TEST(LineCommand, ACommandOfTwoLinesIsRefusedBeforeAnythingIsSent) {
  LineProgram program(probe("ok\r\n"));
  EXPECT_THROW((void)run_line_command(program.console(), "set 1\nhalt", kStatus, 5s), ConsoleError);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(program.received(), "");
}

TEST(LineCommand, NoPromptWithinTheTimeOutSendsCtrlC) {
  LineProgram program([](const std::string& line) { return line + "\r\nworking\r\n"; });
  EXPECT_THROW((void)run_line_command(program.console(), "ipc 100000000", kStatus, 300ms),
               TimeoutError);
  std::this_thread::sleep_for(100ms);
  EXPECT_THAT(program.received(), HasSubstr("\x03"));
}

}  // namespace
}  // namespace hurdle
