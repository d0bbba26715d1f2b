// tests/bench/template_pack: what restoring a prepared machine costs, on a genuine linux-mini
// template (made by `hurdle exec --prepare` under TCG), packed signed, in one run:
//
//   tar -x          GNU tar extracting the same pack (zstd, sparse) into a folder: the floor of
//                   reading it, with no check at all  (the baseline)
//   hurdle unpack   `hurdle cache unpack` with HURDLE_PACK_KEY: the manifest and its MAC, the
//                   key inputs, every entry's digest as it streams, the qcow2 headers, into a
//                   fresh boot cache (its RAM on tmpfs)
//   before          with --before PROGRAM: another hurdle (an older build) packing and
//                   unpacking the same template, for a before/after comparison
//
// Each row: the median wall time and the peak resident memory (GNU time's %M) of the process.
//
// Usage: template_pack [--runs 3] [--before PROGRAM]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kSecret = "the bench's secret, thirty-two b";

struct Sample {
  double seconds = 0;
  double peak_mib = 0;
};

// `argv` under GNU time, with HURDLE_CACHE_DIR=`cache`: its wall time and peak memory.
Sample measured(const std::vector<std::string>& argv, const fs::path& cache) {
  ::setenv("HURDLE_CACHE_DIR", cache.c_str(), 1);
  std::vector<std::string> timed = {"/usr/bin/time", "-f", "peak-kib %M"};
  timed.insert(timed.end(), argv.begin(), argv.end());
  const auto start = Clock::now();
  const auto r = hurdle::run_program(timed);
  Sample s;
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!r.ok()) throw std::runtime_error(argv.at(0) + " failed: " + r.err);
  const auto at = r.err.rfind("peak-kib ");
  if (at == std::string::npos) throw std::runtime_error("GNU time said no peak: " + r.err);
  s.peak_mib = std::stod(r.err.substr(at + 9)) / 1024;
  return s;
}

void forget(const std::string& program, const fs::path& cache) {
  ::setenv("HURDLE_CACHE_DIR", cache.c_str(), 1);
  (void)hurdle::run_program({program, "cache", "gc", "--unused-days", "0"});
  fs::remove_all(cache);
}

double median_of(std::vector<Sample> v, double Sample::*field) {
  std::vector<double> x;
  for (const auto& s : v) x.push_back(s.*field);
  return hurdle::bench::percentile(x, 0.5);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  std::string before;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::stoi(argv[++i]));
    } else if (arg == "--before" && i + 1 < argc) {
      before = argv[++i];
    } else {
      std::cerr << "usage: template_pack [--runs N] [--before PROGRAM]\n";
      return 2;
    }
  }
  try {
    ::setenv("HURDLE_GUEST_DIR", HURDLE_BENCH_GUEST_DIR, 1);
    ::setenv("HURDLE_PROFILE_PATH",
             (fs::path(HURDLE_BENCH_SOURCE_DIR) / "fixtures" / "machines").c_str(), 1);
    ::setenv("HURDLE_PACK_KEY", kSecret, 1);
    ::unsetenv("GITHUB_ACTIONS");
    const hurdle::PrivateFolder dir("bench-pack");
    const fs::path made = dir.path() / "made";
    ::setenv("HURDLE_CACHE_DIR", made.c_str(), 1);
    const auto exec =
        hurdle::run_program({HURDLE_BENCH_PROGRAM, "exec", "--machine", "linux-mini", "--accel",
                             "tcg", "--report-dir", (dir.path() / "reports").string(), "--no-sync",
                             "--prepare", "echo prepared > /root/prepared", "--", "true"});
    if (!exec.ok()) throw std::runtime_error("hurdle exec failed: " + exec.err);
    const fs::path pack = dir.path() / "signed.tar.zst";
    const auto packed = hurdle::run_program(
        {HURDLE_BENCH_PROGRAM, "cache", "pack", "--suite", "exec", "--to", pack.string()});
    if (!packed.ok()) throw std::runtime_error("hurdle cache pack failed: " + packed.err);
    const fs::path old_pack = dir.path() / "before.tar.zst";
    if (!before.empty()) {
      const auto r = hurdle::run_program(
          {before, "cache", "pack", "--suite", "exec", "--to", old_pack.string()});
      if (!r.ok()) throw std::runtime_error(before + " cache pack failed: " + r.err);
    }
    std::vector<Sample> tar;
    std::vector<Sample> unpack;
    std::vector<Sample> old;
    for (int run = 0; run < runs; ++run) {
      const fs::path out = dir.path() / "tar-out";
      fs::create_directories(out);
      tar.push_back(measured({"tar", "--zstd", "-xf", pack.string(), "-C", out.string()}, made));
      fs::remove_all(out);
      const fs::path there = dir.path() / ("unpacked-" + std::to_string(run));
      unpack.push_back(measured({HURDLE_BENCH_PROGRAM, "cache", "unpack", pack.string()}, there));
      forget(HURDLE_BENCH_PROGRAM, there);
      if (!before.empty()) {
        const fs::path then = dir.path() / ("before-" + std::to_string(run));
        old.push_back(measured({before, "cache", "unpack", old_pack.string()}, then));
        forget(before, then);
      }
    }
    forget(HURDLE_BENCH_PROGRAM, made);
    const double base = median_of(tar, &Sample::seconds);
    std::printf("template_pack: a linux-mini template under TCG (%.1f MiB packed), median of %d\n",
                static_cast<double>(fs::file_size(pack)) / (1 << 20), runs);
    std::printf("%-40s | %8s | %9s | %8s\n", "way", "seconds", "peak MiB", "vs tar");
    const auto row = [&](const char* what, const std::vector<Sample>& v) {
      const double s = median_of(v, &Sample::seconds);
      std::printf("%-40s | %8.2f | %9.1f | %7.2fx\n", what, s, median_of(v, &Sample::peak_mib),
                  s / base);
    };
    row("tar -x of the same pack (no checks)", tar);
    row("hurdle cache unpack, signed, checked", unpack);
    if (!before.empty()) row(("before: " + before).c_str(), old);
    std::printf("unpack: %.2fx the time of tar -x\n", median_of(unpack, &Sample::seconds) / base);
  } catch (const std::exception& e) {
    std::cerr << "template_pack: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
