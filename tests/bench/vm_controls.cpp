// tests/bench/vm_controls: `hurdle vm` and `hurdle mcp` against the way the scripts hurdle
// replaces do the same, on the same guest (linux-mini under TCG) in the same run:
//
//   start to a guest that answers SSH: `hurdle vm start` (returns when booted, logged in and
//     SSH proven) versus QEMU started by hand with an HMP monitor on TCP, and `ssh ... true`
//     tried every second until it answers (the scripts' `sleep` loop);
//   back to a snapshot: `hurdle vm snapshot restore` (returns once the guest is proven alive)
//     versus `loadvm` sent to that monitor with `nc` (the answer not read), then `ssh ... true`
//     tried every 0.2 s until it answers;
//   a command round trip: MCP ssh_run through `hurdle mcp` (one JSON-RPC request, answered)
//     and `hurdle vm ssh NAME CMD` versus a plain `ssh ... CMD` (a new connection each).
//
// Usage: vm_controls [--runs 20] [--starts 3] [--guest-dir DIR]
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "core/boost_process.hpp"
#include "qemu/host_port.hpp"
#include "qemu/qemu_process.hpp"

namespace {

namespace bp = boost::process::v2;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

double since_ms(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// argv to completion; its exit code (output dropped, or `input` on its stdin).
int run(const std::vector<std::string>& argv, const std::string& input = "") {
  boost::asio::io_context ctx;
  if (input.empty()) {
    bp::process child(ctx, bp::environment::find_executable(argv[0]),
                      std::vector<std::string>(argv.begin() + 1, argv.end()),
                      bp::process_stdio{nullptr, nullptr, nullptr});
    return child.wait();
  }
  boost::asio::writable_pipe in(ctx);
  bp::process child(ctx, bp::environment::find_executable(argv[0]),
                    std::vector<std::string>(argv.begin() + 1, argv.end()),
                    bp::process_stdio{in, nullptr, nullptr});
  boost::asio::write(in, boost::asio::buffer(input));
  in.close();
  return child.wait();
}

// The scripts' wait: try, sleep, try again.
void wait_for_ssh_with_sleeps(std::uint16_t port, std::chrono::milliseconds pause) {
  const auto deadline = Clock::now() + std::chrono::minutes(3);
  while (run(hurdle::bench::openssh_argv(port, "true", 1)) != 0) {
    if (Clock::now() > deadline) throw std::runtime_error("ssh never answered");
    std::this_thread::sleep_for(pause);
  }
}

// QEMU as a script starts it: the linux-mini guest, HMP on a TCP port, the console to a file.
struct HandStartedQemu {
  std::unique_ptr<hurdle::QemuProcess> process;
  std::uint16_t ssh = 0;
  std::uint16_t monitor = 0;
};

HandStartedQemu start_by_hand(const fs::path& guest, const fs::path& work) {
  fs::create_directories(work);
  const fs::path overlay = work / "scratch.qcow2";
  fs::remove(overlay);
  if (run({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
           (guest / "disk.qcow2").string(), overlay.string()}) != 0)
    throw std::runtime_error("qemu-img create failed");
  HandStartedQemu q;
  q.ssh = hurdle::free_loopback_port();
  q.monitor = hurdle::free_loopback_port();
  const std::vector<std::string> argv = {
      "qemu-system-x86_64",
      "-machine",
      "pc",
      "-accel",
      "tcg",
      "-m",
      "512M",
      "-smp",
      "1",
      "-kernel",
      (guest / "vmlinuz").string(),
      "-initrd",
      (guest / "initrd.img").string(),
      "-append",
      "console=ttyS0 quiet",
      "-drive",
      "file=" + overlay.string() + ",format=qcow2,if=virtio",
      "-netdev",
      "user,id=n0,hostfwd=tcp:127.0.0.1:" + std::to_string(q.ssh) + "-:22",
      "-device",
      "virtio-net-pci,netdev=n0",
      "-monitor",
      "tcp:127.0.0.1:" + std::to_string(q.monitor) + ",server=on,wait=off",
      "-serial",
      "file:" + (work / "console.log").string(),
      "-display",
      "none"};
  q.process = std::make_unique<hurdle::QemuProcess>(argv, work / "qemu.log");
  return q;
}

// The JSON-RPC client side of `hurdle mcp`, by hand: a request, its answer.
class McpPeer {
 public:
  McpPeer(const fs::path& hurdle)
      : in_(ctx_),
        out_(ctx_),
        child_(ctx_, hurdle.string(), std::vector<std::string>{"mcp"},
               bp::process_stdio{in_, out_, {}}) {
    call("initialize", {{"protocolVersion", "2025-11-25"},
                        {"capabilities", Json::object()},
                        {"clientInfo", {{"name", "bench"}, {"version", "1"}}}});
  }
  ~McpPeer() {
    in_.close();
    child_.wait();
  }
  Json call(const std::string& method, const Json& params) {
    const std::string line =
        Json{{"jsonrpc", "2.0"}, {"id", ++id_}, {"method", method}, {"params", params}}.dump() +
        "\n";
    boost::asio::write(in_, boost::asio::buffer(line));
    for (;;) {
      const std::size_t n =
          boost::asio::read_until(out_, boost::asio::dynamic_buffer(pending_), '\n');
      Json reply = Json::parse(pending_.substr(0, n));
      pending_.erase(0, n);
      if (reply.value("id", Json()) == id_) return reply;
    }
  }

 private:
  boost::asio::io_context ctx_;
  boost::asio::writable_pipe in_;
  boost::asio::readable_pipe out_;
  bp::process child_;
  std::string pending_;
  int id_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  int starts = 3;
  fs::path guest_dir = HURDLE_BENCH_GUEST_DIR;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--runs")
      runs = std::stoi(argv[i + 1]);
    else if (flag == "--starts")
      starts = std::stoi(argv[i + 1]);
    else if (flag == "--guest-dir")
      guest_dir = argv[i + 1];
  }
  const fs::path hurdle = HURDLE_BENCH_PROGRAM;
  char runtime[] = "/tmp/hurdle-vm-bench-XXXXXX";
  if (::mkdtemp(runtime) == nullptr) return 1;
  ::setenv("XDG_RUNTIME_DIR", runtime, 1);
  ::setenv("HURDLE_GUEST_DIR", guest_dir.c_str(), 1);
  ::setenv("HURDLE_PROFILE_PATH", (fs::path(HURDLE_BENCH_SOURCE_DIR) / "fixtures/machines").c_str(),
           1);
  const fs::path work = fs::path(runtime) / "by-hand";
  const fs::path guest = guest_dir / "linux-mini";

  // 1. Start to SSH.
  std::vector<double> hurdle_start, hand_start;
  for (int i = 0; i < starts; ++i) {
    auto t0 = Clock::now();
    if (run({hurdle.string(), "vm", "start", "bench", "--profile", "linux-mini", "--accel",
             "tcg"}) != 0)
      throw std::runtime_error("hurdle vm start failed");
    hurdle_start.push_back(since_ms(t0));
    if (i + 1 < starts) run({hurdle.string(), "vm", "quit", "bench"});
    t0 = Clock::now();
    HandStartedQemu q = start_by_hand(guest, work);
    wait_for_ssh_with_sleeps(q.ssh, std::chrono::seconds(1));
    hand_start.push_back(since_ms(t0));
    q.process->kill();
  }

  // 2. Back to a snapshot.
  run({hurdle.string(), "vm", "snapshot", "save", "bench", "s"});
  HandStartedQemu q = start_by_hand(guest, work);
  wait_for_ssh_with_sleeps(q.ssh, std::chrono::seconds(1));
  const std::vector<std::string> nc = {"nc", "-N", "127.0.0.1", std::to_string(q.monitor)};
  run(nc, "savevm s\n");
  wait_for_ssh_with_sleeps(q.ssh, std::chrono::milliseconds(200));  // savevm done when it answers
  std::vector<double> hurdle_load, hand_load;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    if (run({hurdle.string(), "vm", "snapshot", "restore", "bench", "s"}) != 0)
      throw std::runtime_error("hurdle vm snapshot restore failed");
    hurdle_load.push_back(since_ms(t0));
    t0 = Clock::now();
    run(nc, "loadvm s\n");
    wait_for_ssh_with_sleeps(q.ssh, std::chrono::milliseconds(200));
    hand_load.push_back(since_ms(t0));
  }

  // 3. A command's round trip.
  std::vector<double> mcp_ms, cli_ms, ssh_ms;
  {
    McpPeer mcp(hurdle);
    const std::uint16_t port = [&] {
      const Json status =
          mcp.call("tools/call", {{"name", "vm_status"}, {"arguments", {{"name", "bench"}}}});
      return status["result"]["structuredContent"]["ports"]["ssh"].get<std::uint16_t>();
    }();
    for (int i = 0; i < runs; ++i) {
      auto t0 = Clock::now();
      const Json r = mcp.call(
          "tools/call",
          {{"name", "ssh_run"}, {"arguments", {{"name", "bench"}, {"command", "uname -r"}}}});
      mcp_ms.push_back(since_ms(t0));
      if (r["result"].value("isError", true)) throw std::runtime_error("ssh_run: " + r.dump());
      t0 = Clock::now();
      run({hurdle.string(), "vm", "ssh", "bench", "uname", "-r"});
      cli_ms.push_back(since_ms(t0));
      t0 = Clock::now();
      if (run(hurdle::bench::openssh_argv(port, "uname -r", 1)) != 0)
        throw std::runtime_error("ssh failed");
      ssh_ms.push_back(since_ms(t0));
    }
  }
  q.process->kill();
  run({hurdle.string(), "vm", "quit", "bench"});
  fs::remove_all(runtime);

  auto row = [](const char* what, const char* hurdle_how, double h, const char* old_how, double o) {
    std::printf("| %-26s | %-28s | %8.0f ms | %-48s | %8.0f ms | %5.1fx |\n", what, hurdle_how, h,
                old_how, o, o / h);
  };
  std::printf("| %-26s | %-28s | %11s | %-48s | %11s | %6s |\n", "medians (TCG, linux-mini)",
              "hurdle", "", "the old way", "", "speed");
  row("start to SSH answering", "hurdle vm start", median(hurdle_start),
      "qemu & + `ssh true` / sleep 1 until it answers", median(hand_start));
  row("back to a snapshot", "hurdle vm snapshot restore", median(hurdle_load),
      "loadvm over nc + `ssh true` / sleep 0.2", median(hand_load));
  row("command round trip", "MCP ssh_run (hurdle mcp)", median(mcp_ms), "ssh root@... uname -r",
      median(ssh_ms));
  row("command round trip", "hurdle vm ssh NAME uname -r", median(cli_ms), "ssh root@... uname -r",
      median(ssh_ms));
  std::printf("MCP ssh_run: %.1fx faster than a plain ssh\n", median(ssh_ms) / median(mcp_ms));
  return 0;
}
