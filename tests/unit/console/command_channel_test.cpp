// The command channel against a real shell: the host's `sh` reading a pseudo-terminal set up
// as the linux-mini guest sets up its second serial port (raw, no echo, Ctrl-C a signal), with
// the same loop. Commands, their streams and statuses, quoting, time-outs and Ctrl-C, and a
// shell that cannot serve.
#include "console/command_channel.hpp"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

// The guest's side: `script` run by sh in a session of its own whose controlling terminal is
// a pty's far end; killed and reaped when it goes.
class ShellOnPty {
 public:
  ShellOnPty(const std::string& script, const std::string& path, const fs::path& tmp) {
    int master = -1;
    int slave = -1;
    if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0)
      throw std::runtime_error("openpty");
    master_ = UniqueFd(master);
    pid_ = ::fork();
    if (pid_ == 0) {
      // As the guest's loop starts (start-stop-daemon's child): SIGINT not ignored, however
      // this test was started (a shell's `&` ignores it, for good).
      ::signal(SIGINT, SIG_DFL);
      ::setsid();
      ::ioctl(slave, TIOCSCTTY, 0);
      ::dup2(slave, 0);
      ::dup2(slave, 1);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 2);
      ::close(master);
      ::setenv("PATH", path.c_str(), 1);
      ::setenv("TMPDIR", tmp.c_str(), 1);  // the command's output files: the test's own
      ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(slave);
  }
  ~ShellOnPty() {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ShellOnPty(const ShellOnPty&) = delete;
  ShellOnPty& operator=(const ShellOnPty&) = delete;

  UniqueFd take_master() { return std::move(master_); }

 private:
  UniqueFd master_;
  pid_t pid_ = -1;
};

// What linux-mini's init runs on ttyS1 (fixtures/guests/linux-mini/init).
const std::string kGuestLoop =
    "trap '' INT; stty raw -echo isig && while IFS= read -r line; do eval \"$line\"; done";

struct Channel {
  explicit Channel(const std::string& script = kGuestLoop,
                   const std::string& path = "/usr/bin:/bin")
      : shell(script, path, folder.path()) {
    CommandChannelOptions o;
    o.machine = "test";
    o.log_file = folder.path() / "channel.log";
    channel = std::make_unique<CommandChannel>(shell.take_master(), o);
  }
  PrivateFolder folder{"channel-test", fs::temp_directory_path()};
  ShellOnPty shell;
  std::unique_ptr<CommandChannel> channel;
};

TEST(CommandChannel, RunsCommandsWithTheirStreamsApartAndTheirStatus) {
  Channel c;
  ASSERT_TRUE(c.channel->answers(10s));
  const ChannelResult r = c.channel->run("echo out; echo err >&2; exit 3", 10s);
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  const ChannelResult quiet = c.channel->run("true", 10s);
  EXPECT_EQ(quiet.exit_status, 0);
  EXPECT_EQ(quiet.out, "");
  EXPECT_EQ(quiet.out_bytes, 0u);
}

TEST(CommandChannel, QuotesAndLinesAndBytesArriveAsTheyWere) {
  Channel c;
  // Quotes, a newline (sent encoded), bytes that are not ASCII, and output that says the
  // protocol's own words.
  EXPECT_EQ(c.channel->run("printf '%s' \"it's\"", 10s).out, "it's");
  EXPECT_EQ(c.channel->run("echo one\necho two", 10s).out, "one\ntwo\n");
  EXPECT_EQ(c.channel->run("printf 'caf\\303\\251 \\001\\377'", 10s).out, "caf\xc3\xa9 \x01\xff");
  EXPECT_EQ(c.channel->run("echo '_hurdle x status 0'; printf 'hurdle-0 out\\n'", 10s).out,
            "_hurdle x status 0\nhurdle-0 out\n");
  // Each command in a shell of its own, from $HOME: a `cd` does not stay.
  c.channel->run("cd /usr", 10s);
  EXPECT_NE(c.channel->run("pwd", 10s).out, "/usr\n");
}

TEST(CommandChannel, AnOverdueCommandIsInterruptedAndTheChannelServesOn) {
  Channel c;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(c.channel->run("sleep 30", 500ms), TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(c.channel->usable());
  EXPECT_EQ(c.channel->run("echo after", 10s).out, "after\n");
}

TEST(CommandChannel, ACommandThatIgnoresCtrlCLeavesTheChannelGivenUp) {
  Channel c;
  try {
    c.channel->run("trap '' INT; sleep 30", 500ms);
    FAIL() << "no time-out";
  } catch (const TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("did not end on Ctrl-C"));
  }
  EXPECT_FALSE(c.channel->usable());
  EXPECT_THROW(c.channel->run("true", 1s), ConsoleError);
  EXPECT_FALSE(c.channel->answers(1s));
}

TEST(CommandChannel, AShellWithoutBase64IsNotUsed) {
  Channel c("/bin/stty raw -echo isig && while IFS= read -r line; do eval \"$line\"; done",
            "/nonexistent");
  EXPECT_FALSE(c.channel->answers(5s));
  EXPECT_FALSE(c.channel->usable());
  try {
    c.channel->run("true", 1s);
    FAIL() << "the channel ran a command";
  } catch (const ConsoleError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not usable: the guest's shell has no base64"));
  }
}

TEST(CommandChannel, NoShellMeansNoAnswerWithinTheTime) {
  Channel c("stty raw -echo; exec cat >/dev/null");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.channel->answers(1500ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_FALSE(c.channel->usable());
  // A restore may bring a shell back: it is asked again then.
  c.channel->forget();
  EXPECT_TRUE(c.channel->usable());
}

TEST(CommandChannel, ItsLogNamesEachCommandAndHowItEnded) {
  Channel c;
  c.channel->run("echo hi; exit 4", 10s);
  std::ifstream in(c.folder.path() / "channel.log");
  const std::string log((std::istreambuf_iterator<char>(in)), {});
  EXPECT_THAT(log, HasSubstr("$ echo hi; exit 4"));
  EXPECT_THAT(log, HasSubstr("status 4 after"));
  EXPECT_THAT(log, HasSubstr("3 bytes of stdout, 0 of stderr"));
}

}  // namespace
}  // namespace hurdle
