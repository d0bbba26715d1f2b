// Boots each offline test guest under TCG and checks what its serial console really prints.
// Guests: gnumach (GRUB + GNU Mach, which panics without Hurd servers) and linux-mini.
// The small SerialBoot below reads QEMU's serial console from a pipe; the harness's own
// console and machine code have their own tests.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include "core/boost_process.hpp"
#include "support/paths.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using namespace std::chrono_literals;

namespace {

using hurdle::test::guest_dir;

// QEMU with its serial console on stdout, read through a pipe. Killed when destroyed.
class SerialBoot {
 public:
  explicit SerialBoot(std::vector<std::string> guest_args) : pipe_(ctx_) {
    std::vector<std::string> args = {
        "-accel", "tcg",     "-display", "none",        "-monitor",
        "none",   "-serial", "stdio",    "-nodefaults", "-no-user-config"};
    args.insert(args.end(), guest_args.begin(), guest_args.end());
    process_.emplace(ctx_, bp::environment::find_executable("qemu-system-x86_64"), args,
                     bp::process_stdio{nullptr, pipe_, {}});
  }

  // Reads until `pattern` matches the output so far; returns everything read.
  std::string read_until(const std::string& pattern, std::chrono::milliseconds timeout) {
    RE2 re(pattern);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!RE2::PartialMatch(output_, re)) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= 0ms) break;
      bool done = false;
      boost::system::error_code read_error;
      std::array<char, 4096> chunk{};
      pipe_.async_read_some(asio::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
        output_.append(chunk.data(), n);
        read_error = ec;
        done = true;
      });
      ctx_.restart();
      ctx_.run_for(left);
      if (!done) {
        pipe_.cancel();
        ctx_.restart();
        ctx_.run();
      }
      if (read_error && read_error != asio::error::operation_aborted) break;  // QEMU exited
    }
    return output_;
  }

 private:
  asio::io_context ctx_;
  asio::readable_pipe pipe_;
  std::optional<bp::process> process_;
  std::string output_;
};

TEST(GuestBoot, GnuMachPrintsBannerThenPanics) {
  // Guest: gnumach.
  SerialBoot vm({"-m", "256", "-cdrom", (guest_dir("gnumach") / "mach.iso").string()});
  const std::string out = vm.read_until(R"(panic [^\n]*\n)", 60s);
  EXPECT_TRUE(RE2::PartialMatch(out, R"(GNU Mach 1\.8\S*)")) << out;
  EXPECT_TRUE(RE2::PartialMatch(out, R"(panic \S+bootstrap\.c:\d+: bootstrap_create)")) << out;
  // The banner comes before the panic.
  EXPECT_LT(out.find("GNU Mach"), out.find("panic "));
}

TEST(GuestBoot, LinuxMiniReachesLoginPrompt) {
  // Guest: linux-mini.
  const auto dir = guest_dir("linux-mini");
  SerialBoot vm({"-m", "512", "-kernel", (dir / "vmlinuz").string(), "-initrd",
                 (dir / "initrd.img").string(), "-append", "console=ttyS0 quiet"});
  const std::string out = vm.read_until(R"(login: )", 90s);
  EXPECT_TRUE(RE2::PartialMatch(out, R"(hurdle-mini: ready)")) << out;
  EXPECT_TRUE(RE2::PartialMatch(out, R"(hurdle-mini login: )")) << out;
}

}  // namespace
