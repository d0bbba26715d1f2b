// tests/bench/ssh_latency: the cost of a command and of a file transfer over hurdle's SSH,
// versus OpenSSH's client against the same guest (linux-mini under TCG) in the same run.
//
//   run("true") x N on hurdle's one session         (median, p90)
//   `ssh ... true` x N, a new connection each         (median, p90)
//   `ssh -S control ... true` x N over a ControlMaster (median, p90)
//   put and get of a 100 MB file                     versus scp (SFTP) up and down
//   put of a 50 MB folder tree (one tar stream)     versus `tar -c | ssh ... tar -x`
//
// Usage: ssh_latency [--runs 200] [--megabytes 100] [--tree-megabytes 50] [--guest-dir DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "core/boost_process.hpp"
#include "machine/machine.hpp"
#include "support/test_files.hpp"

namespace {

namespace bp = boost::process::v2;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Stats {
  double median_ms = 0;
  double p90_ms = 0;
};

Stats stats_of(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 9 / 10)]};
}

// Runs argv to completion; returns its exit code (stdout and stderr dropped).
int run_program(const std::vector<std::string>& argv) {
  boost::asio::io_context ctx;
  bp::process child(ctx, bp::environment::find_executable(argv[0]),
                    std::vector<std::string>(argv.begin() + 1, argv.end()),
                    bp::process_stdio{nullptr, nullptr, nullptr});
  return child.wait();
}

double timed_ms(const std::vector<std::string>& argv) {
  const auto t0 = Clock::now();
  const int code = run_program(argv);
  if (code != 0) throw std::runtime_error(argv[0] + " exited with " + std::to_string(code));
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 200;
  std::size_t megabytes = 100;
  std::size_t tree_megabytes = 50;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::stoi(argv[++i]);
    } else if (arg == "--megabytes" && i + 1 < argc) {
      megabytes = std::stoul(argv[++i]);
    } else if (arg == "--tree-megabytes" && i + 1 < argc) {
      tree_megabytes = std::stoul(argv[++i]);
    } else if (arg == "--guest-dir" && i + 1 < argc) {
      ::setenv("HURDLE_GUEST_DIR", argv[++i], 1);
    } else {
      std::cerr << "usage: ssh_latency [--runs N] [--megabytes M] [--tree-megabytes M] "
                   "[--guest-dir DIR]\n";
      return 2;
    }
  }
  if (std::getenv("HURDLE_GUEST_DIR") == nullptr)
    ::setenv("HURDLE_GUEST_DIR", HURDLE_BENCH_GUEST_DIR, 1);

  hurdle::MachineOptions options;
  options.accel = hurdle::Accelerator::kTcg;
  options.profile_path = {fs::path(HURDLE_BENCH_SOURCE_DIR) / "fixtures" / "machines"};
  auto vm = hurdle::Machine::from_profile("linux-mini", options);
  vm->wait_for_boot();
  vm->succeed("true");
  const std::string port = std::to_string(vm->host_port("ssh"));
  const fs::path work = vm->log_dir() / "bench";
  fs::create_directories(work);
  std::vector<std::string> ssh_opts = {"-p", port};
  for (auto& o : hurdle::bench::openssh_options()) ssh_opts.push_back(std::move(o));

  std::printf("ssh_latency: linux-mini under TCG, %d runs, %zu MB files\n", runs, megabytes);
  std::printf("%-46s | %12s | %12s\n", "command round trip", "median", "p90");

  std::vector<double> hurdle_ms;
  for (int i = 0; i < runs; ++i)
    hurdle_ms.push_back(std::chrono::duration<double, std::milli>(vm->run("true").elapsed).count());
  // elapsed is measured inside the session; time the whole call too, as a user sees it.
  std::vector<double> hurdle_call_ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    vm->run("true");
    hurdle_call_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::vector<std::string> plain = {"ssh"};
  plain.insert(plain.end(), ssh_opts.begin(), ssh_opts.end());
  plain.insert(plain.end(), {"root@127.0.0.1", "true"});
  std::vector<double> plain_ms;
  for (int i = 0; i < runs; ++i) plain_ms.push_back(timed_ms(plain));

  const fs::path control = work / "control.sock";
  std::vector<std::string> master = {"ssh"};
  master.insert(master.end(), ssh_opts.begin(), ssh_opts.end());
  master.insert(master.end(), {"-o", "ControlMaster=yes", "-o", "ControlPath=" + control.string(),
                               "-o", "ControlPersist=300", "-fN", "root@127.0.0.1"});
  run_program(master);
  std::vector<std::string> muxed = {"ssh"};
  muxed.insert(muxed.end(), ssh_opts.begin(), ssh_opts.end());
  muxed.insert(muxed.end(), {"-o", "ControlPath=" + control.string(), "root@127.0.0.1", "true"});
  std::vector<double> muxed_ms;
  for (int i = 0; i < runs; ++i) muxed_ms.push_back(timed_ms(muxed));
  std::vector<std::string> stop = {"ssh", "-o",   "ControlPath=" + control.string(),
                                   "-O",  "exit", "root@127.0.0.1"};
  run_program(stop);

  const auto row = [](const char* name, const Stats& s) {
    std::printf("%-46s | %9.2f ms | %9.2f ms\n", name, s.median_ms, s.p90_ms);
  };
  const Stats h = stats_of(hurdle_call_ms);
  row("hurdle run(\"true\"), one session (whole call)", h);
  row("hurdle run(\"true\"), one session (in-session)", stats_of(hurdle_ms));
  const Stats p = stats_of(plain_ms);
  row("ssh root@guest true (new connection each)", p);
  const Stats m = stats_of(muxed_ms);
  row("ssh -S control true (ControlMaster)", m);

  // File transfer: 100 MB each way.
  const fs::path local = work / "payload.bin";
  const fs::path back = work / "payload.back";
  hurdle::test::write_random_file(local, megabytes * 1000 * 1000, 7);
  const double mb = static_cast<double>(megabytes);
  const auto t_put = Clock::now();
  vm->put(local, "/tmp/payload.bin", std::chrono::minutes(10));
  const double put_s = std::chrono::duration<double>(Clock::now() - t_put).count();
  const auto t_get = Clock::now();
  vm->get("/tmp/payload.bin", back, std::chrono::minutes(10));
  const double get_s = std::chrono::duration<double>(Clock::now() - t_get).count();
  vm->succeed("rm -f /tmp/payload.bin");
  fs::remove(back);

  std::vector<std::string> scp_up = {"scp", "-q", "-P", port};
  for (auto& o : hurdle::bench::openssh_options()) scp_up.push_back(std::move(o));
  std::vector<std::string> scp_down = scp_up;
  scp_up.insert(scp_up.end(), {local.string(), "root@127.0.0.1:/tmp/payload.scp"});
  scp_down.insert(scp_down.end(), {"root@127.0.0.1:/tmp/payload.scp", back.string()});
  const double scp_up_s = timed_ms(scp_up) / 1000;
  const double scp_down_s = timed_ms(scp_down) / 1000;
  vm->succeed("rm -f /tmp/payload.scp");
  fs::remove(back);
  fs::remove(local);

  std::printf("\n%-46s | %12s | %12s\n", "file transfer", "up", "down");
  std::printf("%-46s | %7.1f MB/s | %7.1f MB/s\n", "hurdle put/get (streamed channel)", mb / put_s,
              mb / get_s);
  std::printf("%-46s | %7.1f MB/s | %7.1f MB/s\n", "scp (OpenSSH 9, SFTP)", mb / scp_up_s,
              mb / scp_down_s);

  // A project-shaped tree: 20 folders of files of 100 KB (the last one shorter), as a source
  // tree is many files, not one.
  const fs::path tree = work / "tree";
  std::size_t tree_files = 0;
  for (std::size_t done = 0; done < tree_megabytes * 1000 * 1000; ++tree_files) {
    const fs::path folder = tree / ("dir" + std::to_string(tree_files % 20));
    fs::create_directories(folder);
    const std::size_t size = std::min<std::size_t>(100 * 1000, tree_megabytes * 1000 * 1000 - done);
    hurdle::test::write_random_file(folder / ("file" + std::to_string(tree_files)), size,
                                    static_cast<unsigned>(tree_files));
    done += size;
  }
  const auto t_tree = Clock::now();
  vm->put(tree, "/tmp/tree-hurdle", std::chrono::minutes(10));
  const double tree_put_s = std::chrono::duration<double>(Clock::now() - t_tree).count();
  std::string ssh_line = "ssh";
  for (const auto& o : ssh_opts) ssh_line += " " + o;
  // The baseline as projects' scripts write it: tar piped into OpenSSH's ssh.
  const double tree_ssh_s =
      timed_ms({"sh", "-c",
                "tar -C '" + tree.string() + "' -cf - . | " + ssh_line +
                    " root@127.0.0.1 'mkdir -p /tmp/tree-ssh && tar -xf - -C /tmp/tree-ssh'"}) /
      1000;
  const std::string same = vm->succeed(
      "cd /tmp/tree-hurdle && find . -type f | sort | xargs cat | md5sum; "
      "cd /tmp/tree-ssh && find . -type f | sort | xargs cat | md5sum");
  if (same.substr(0, 32) != same.substr(same.find('\n') + 1, 32))
    throw std::runtime_error("the two copies of the tree differ: " + same);
  vm->succeed("rm -rf /tmp/tree-hurdle /tmp/tree-ssh");
  fs::remove_all(tree);
  const double tmb = static_cast<double>(tree_megabytes);
  const std::string heading = "folder transfer (" + std::to_string(tree_files) + " files)";
  std::printf("\n%-46s | %12s | %12s\n", heading.c_str(), "seconds", "MB/s");
  std::printf("%-46s | %10.2f s | %7.1f MB/s\n", "hurdle put of a folder (one tar stream)",
              tree_put_s, tmb / tree_put_s);
  std::printf("%-46s | %10.2f s | %7.1f MB/s\n", "tar -c | ssh (OpenSSH 9) tar -x", tree_ssh_s,
              tmb / tree_ssh_s);

  std::printf(
      "\nhurdle run: %.1fx faster than a new ssh each time, %.1fx faster than ControlMaster\n",
      p.median_ms / h.median_ms, m.median_ms / h.median_ms);
  std::printf("transfer: put %.2fx scp, get %.2fx scp; folder put %.2fx tar | ssh\n",
              scp_up_s / put_s, scp_down_s / get_s, tree_ssh_s / tree_put_s);
  return 0;
}
