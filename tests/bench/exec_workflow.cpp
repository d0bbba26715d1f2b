// tests/bench/exec_workflow: from nothing to one command's end in the guest, as a workflow step
// does it, on the linux-mini guest under TCG, in one run:
//
//   by hand     the vmactions way, done by hand: QEMU started on an overlay, SSH polled until it
//               answers (OpenSSH, every 0.2 s), the prepare command over ssh, the tree sent as
//               `tar -c | ssh tar -x`, `ssh 'cd TREE && true'`, QEMU killed  (the baseline)
//   cold        `hurdle exec --prepare P -- true` with an empty boot cache: boots, prepares,
//               makes the template, clones it, syncs, runs
//   warm        the same again: the template from the boot cache (no boot, no prepare)
//   restored    another cache folder (another runner) that `hurdle cache unpack` filled from
//               the first one's pack, then the same exec: unpack + exec
//   leaving     the warm exec with --leave-running: the machine saved and resumed as a VM
//
// A later step in the same guest: by hand, the tree sent again and the command run over ssh
// in the QEMU still running; hurdle's, `hurdle vm exec --sync TREE -- true` (hurdle-shell).
//
// Then the pack: `hurdle cache pack` time and size, the RAM's data against its size, and an
// estimate for a 2 GiB Hurd guest (the same share of its RAM in use).
//
// Usage: exec_workflow [--runs 3] [--tree-megabytes 5]
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "core/boost_process.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "core/unique_fd.hpp"
#include "support/test_files.hpp"

namespace {

namespace bp = boost::process::v2;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const fs::path kGuest = fs::path(HURDLE_BENCH_GUEST_DIR) / "linux-mini";
const char* const kPrepare = "echo prepared > /root/prepared";

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int free_port() {
  hurdle::UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("no free port");
  return ntohs(a.sin_port);
}

void must(const hurdle::ProgramResult& r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + " failed: " + r.err);
}

// The baseline: what a workflow does without hurdle.
// Seconds from nothing to the command's end, and for a later step in the same guest (the tree
// sent again, a command run there).
struct ByHand {
  double first = 0;
  double later = 0;
};

ByHand by_hand(const fs::path& work, const fs::path& tree) {
  const auto start = Clock::now();
  fs::remove_all(work);
  fs::create_directories(work);
  must(hurdle::run_program({"qemu-img", "create", "-q", "-f", "qcow2", "-b",
                            (kGuest / "disk.qcow2").string(), "-F", "qcow2",
                            (work / "overlay.qcow2").string()}),
       "qemu-img create");
  const int port = free_port();
  boost::asio::io_context ctx;
  bp::process qemu(
      ctx, bp::environment::find_executable("qemu-system-x86_64"),
      {"-machine", "pc",
       "-accel",   "tcg",
       "-m",       "512",
       "-display", "none",
       "-serial",  "file:" + (work / "console.log").string(),
       "-monitor", "none",
       "-kernel",  (kGuest / "vmlinuz").string(),
       "-initrd",  (kGuest / "initrd.img").string(),
       "-append",  "console=ttyS0 quiet",
       "-drive",   "file=" + (work / "overlay.qcow2").string() + ",format=qcow2,if=virtio",
       "-netdev",  "user,id=n0,hostfwd=tcp:127.0.0.1:" + std::to_string(port) + "-:22",
       "-device",  "virtio-net-pci,netdev=n0"},
      bp::process_stdio{nullptr, nullptr, nullptr});
  struct Kill {
    bp::process& p;
    ~Kill() {
      boost::system::error_code ec;
      p.terminate(ec);
    }
  } kill{qemu};
  while (!hurdle::run_program(hurdle::bench::openssh_argv(port, "true")).ok()) {
    if (seconds_since(start) > 120) throw std::runtime_error("SSH never answered");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  must(hurdle::run_program(hurdle::bench::openssh_argv(port, kPrepare)), "prepare");
  const std::string line = "tar -c -C '" + tree.string() + "' . | " + [&] {
    std::string s;
    for (const auto& a :
         hurdle::bench::openssh_argv(port, "mkdir -p /root/tree && tar -x -C /root/tree"))
      s += "'" + a + "' ";
    return s;
  }();
  const auto step = [&] {
    must(hurdle::run_program({"sh", "-c", line}), "tar | ssh");
    must(hurdle::run_program(hurdle::bench::openssh_argv(port, "cd /root/tree && true")),
         "the command");
  };
  step();
  ByHand r;
  r.first = seconds_since(start);
  const auto later = Clock::now();
  step();
  r.later = seconds_since(later);
  return r;
}

double hurdle_exec(const fs::path& cache, const fs::path& tree, const fs::path& reports,
                   const std::string& leave_running = {}) {
  ::setenv("HURDLE_CACHE_DIR", cache.c_str(), 1);
  std::vector<std::string> argv = {
      HURDLE_BENCH_PROGRAM, "exec",           "--machine", "linux-mini",  "--accel",   "tcg",
      "--report-dir",       reports.string(), "--sync",    tree.string(), "--prepare", kPrepare};
  if (!leave_running.empty()) argv.insert(argv.end(), {"--leave-running", leave_running});
  argv.insert(argv.end(), {"--", "true"});
  const auto start = Clock::now();
  const auto r = hurdle::run_program(argv);
  const double s = seconds_since(start);
  if (!r.ok()) throw std::runtime_error("hurdle exec failed: " + r.err);
  return s;
}

double median(std::vector<double> v) { return hurdle::bench::percentile(std::move(v), 0.5); }

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  int tree_mb = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::stoi(argv[++i]));
    } else if (arg == "--tree-megabytes" && i + 1 < argc) {
      tree_mb = std::stoi(argv[++i]);
    } else {
      std::cerr << "usage: exec_workflow [--runs N] [--tree-megabytes N]\n";
      return 2;
    }
  }
  if (std::getenv("HURDLE_GUEST_DIR") == nullptr)
    ::setenv("HURDLE_GUEST_DIR", HURDLE_BENCH_GUEST_DIR, 1);
  ::setenv("HURDLE_PROFILE_PATH", (fs::path(HURDLE_BENCH_SOURCE_DIR) / "fixtures/machines").c_str(),
           1);
  ::unsetenv("GITHUB_ACTIONS");
  try {
    hurdle::PrivateFolder dir("bench-exec", fs::temp_directory_path());
    const fs::path tree = dir / "tree";
    fs::create_directories(tree / "src");
    for (int i = 0; i < tree_mb; ++i)
      hurdle::test::write_random_file(tree / "src" / ("f" + std::to_string(i)), 1 << 20,
                                      static_cast<unsigned>(i));
    std::vector<double> hand;
    std::vector<double> hand_later;
    std::vector<double> left;
    std::vector<double> vm_exec;
    std::vector<double> cold;
    std::vector<double> warm;
    std::vector<double> restored;
    double pack_s = 0;
    std::uintmax_t pack_bytes = 0;
    std::string pack_said;
    for (int run = 0; run < runs; ++run) {
      const fs::path here = dir / ("cache-" + std::to_string(run));
      const fs::path there = dir / ("other-runner-" + std::to_string(run));
      const ByHand manual = by_hand(dir / "by-hand", tree);
      hand.push_back(manual.first);
      hand_later.push_back(manual.later);
      cold.push_back(hurdle_exec(here, tree, dir / "reports"));
      warm.push_back(hurdle_exec(here, tree, dir / "reports"));
      // A later step in the same guest: the warm exec leaving its machine running, then
      // `hurdle vm exec` as hurdle-shell runs it (the tree synced in again).
      const std::string vm = "bench-exec-" + std::to_string(::getpid());
      left.push_back(hurdle_exec(here, tree, dir / "reports", vm));
      auto t0 = Clock::now();
      const auto later = hurdle::run_program(
          {HURDLE_BENCH_PROGRAM, "vm", "exec", vm, "--sync", tree.string(), "--", "true"});
      vm_exec.push_back(seconds_since(t0));
      (void)hurdle::run_program({HURDLE_BENCH_PROGRAM, "vm", "quit", vm});
      if (!later.ok()) throw std::runtime_error("hurdle vm exec failed: " + later.err);
      const fs::path pack = dir / ("pack-" + std::to_string(run) + ".tar.zst");
      ::setenv("HURDLE_PACK_KEY", "the bench's secret, thirty-two b", 1);  // signed, checked
      ::setenv("HURDLE_CACHE_DIR", here.c_str(), 1);
      auto t = Clock::now();
      const auto packed = hurdle::run_program(
          {HURDLE_BENCH_PROGRAM, "cache", "pack", "--suite", "exec", "--to", pack.string()});
      if (!packed.ok()) throw std::runtime_error("hurdle cache pack failed: " + packed.err);
      pack_s = seconds_since(t);
      pack_bytes = fs::file_size(pack);
      pack_said = packed.out;
      ::setenv("HURDLE_CACHE_DIR", there.c_str(), 1);
      t = Clock::now();
      const auto unpacked =
          hurdle::run_program({HURDLE_BENCH_PROGRAM, "cache", "unpack", pack.string()});
      if (!unpacked.ok()) throw std::runtime_error("hurdle cache unpack failed: " + unpacked.err);
      const double unpack_s = seconds_since(t);
      restored.push_back(unpack_s + hurdle_exec(there, tree, dir / "reports"));
      // The templates' RAM files on tmpfs go with their caches.
      (void)hurdle::run_program({HURDLE_BENCH_PROGRAM, "cache", "gc", "--unused-days", "0"});
      ::setenv("HURDLE_CACHE_DIR", here.c_str(), 1);
      (void)hurdle::run_program({HURDLE_BENCH_PROGRAM, "cache", "gc", "--unused-days", "0"});
    }
    const double base = median(hand);
    std::printf(
        "exec_workflow: linux-mini under TCG, a %d MB tree, `--prepare P -- true`, median "
        "of %d\n",
        tree_mb, runs);
    std::printf("%-44s | %8s | %9s\n", "way", "seconds", "vs hand");
    const auto row = [&](const char* what, double s) {
      std::printf("%-44s | %8.2f | %8.2fx\n", what, s, base / s);
    };
    row("by hand: QEMU, ssh polled, prepare, tar|ssh", base);
    row("hurdle exec, cold (boot, prepare, template)", median(cold));
    row("hurdle exec, warm (boot cache)", median(warm));
    row("hurdle cache unpack + exec (another runner)", median(restored));
    row("hurdle exec, warm, leaving the machine running", median(left));
    const double later_base = median(hand_later);
    std::printf("\n%-44s | %8s | %9s\n", "a later step in the same guest", "seconds", "vs hand");
    std::printf("%-44s | %8.2f | %8.2fx\n", "by hand: tar|ssh, ssh COMMAND", later_base, 1.0);
    std::printf("%-44s | %8.2f | %8.2fx\n", "hurdle vm exec (hurdle-shell)", median(vm_exec),
                later_base / median(vm_exec));
    const double pack_mib = static_cast<double>(pack_bytes) / (1 << 20);
    std::printf("pack: %.2f s, %.1f MiB; %s", pack_s, pack_mib, pack_said.c_str());
    // The pack is mostly the RAM's data, compressed: a guest of 2 GiB with the same share of its
    // RAM in use packs to about the same multiple.
    double ram_mib = 0;
    double data_mib = 0;
    const auto at = pack_said.find("(RAM ");
    if (at != std::string::npos &&
        std::sscanf(pack_said.c_str() + at, "(RAM %lf MiB, of it %lf MiB data", &ram_mib,
                    &data_mib) == 2 &&
        ram_mib > 0 && data_mib > 0) {
      const double hurd_data = data_mib / ram_mib * 2048;
      std::printf(
          "estimate for a 2 GiB Hurd guest (%.0f%% of its RAM in use, as here): %.0f MiB "
          "of data, about %.0f MiB packed\n",
          100 * data_mib / ram_mib, hurd_data, pack_mib * hurd_data / data_mib);
    }
    std::printf("warm: %.2fx faster than by hand; restored: %.2fx faster than by hand\n",
                base / median(warm), base / median(restored));
  } catch (const std::exception& e) {
    std::cerr << "exec_workflow: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
