// tests/bench/expect_throughput: how fast the console matcher waits for a prompt at the end of
// a long stream of console output, versus Python's pexpect and Tcl Expect on the same input.
//
// For each size N (MB): a file of console-like text (kernel log lines, coloured `ls` output,
// systemd status lines with ANSI colour codes, no match) followed by a shell prompt. hurdle
// reads it in 4 KiB chunks through its real console path (AnsiFilter -> ExpectBuffer, one
// search per chunk), as SerialConsole does; the peers read the same file with 4 KiB reads and
// wait for the same regex. Each peer runs once with its window at its default and once with a
// 2000-byte window; a peer that needs more than --peer-limit seconds is stopped and reported.
//
// hurdle's rows are the median of three runs; each peer runs once. One more hurdle row runs
// with the panic watchers of fixtures/machines/hurd-amd64.yaml active, as a Hurd boot does.
//
// Usage: expect_throughput [--sizes 10,100] [--peer-limit 60] [--no-peers]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "console/ansi_filter.hpp"
#include "console/expect_buffer.hpp"
#include "core/boost_process.hpp"
#include "core/private_folder.hpp"
#include "core/unique_fd.hpp"
#include "qemu/machine_profile.hpp"

namespace {

namespace bp = boost::process::v2;
using Clock = std::chrono::steady_clock;

constexpr const char* kPrompt = "root@hurdle-bench:/root# ";
constexpr const char* kPattern = "root@hurdle-bench:[^\\n]*# ";
constexpr std::size_t kChunk = 4096;

// Console-like text of about `bytes` bytes, deterministic, that never contains the prompt.
std::string console_text(std::size_t bytes) {
  std::mt19937 random(42);
  static const char* const kUnits[] = {"networking.service", "ssh.service", "cron.service",
                                       "systemd-journald.service", "getty@ttyS0.service"};
  static const char* const kFiles[] = {"bin", "etc", "home", "lib", "usr", "var", "tmp", "srv"};
  std::string text;
  text.reserve(bytes + 256);
  char line[256];
  std::uint64_t n = 0;
  while (text.size() < bytes) {
    ++n;
    switch (random() % 4) {
      case 0:
        std::snprintf(
            line, sizeof line, "[%6llu.%06u] e1000 0000:00:03.0 eth0: link up %u Mbps\r\n",
            static_cast<unsigned long long>(n / 100), static_cast<unsigned>(random() % 1000000),
            static_cast<unsigned>(random() % 1000));
        break;
      case 1:
        std::snprintf(line, sizeof line,
                      "[  \x1b[0;32mOK\x1b[0m  ] Started \x1b[0;1;39m%s\x1b[0m.\r\n",
                      kUnits[random() % 5]);
        break;
      case 2:
        std::snprintf(line, sizeof line,
                      "drwxr-xr-x  2 root root 4096 Nov 24 10:%02u \x1b[01;34m%s\x1b[0m  "
                      "-rw-r--r-- 1 root root %u \x1b[00mfile-%llu.log\x1b[0m\r\n",
                      static_cast<unsigned>(random() % 60), kFiles[random() % 8],
                      static_cast<unsigned>(random() % 100000), static_cast<unsigned long long>(n));
        break;
      default:
        std::snprintf(
            line, sizeof line,
            "Setting up libfoo%llu:amd64 (2.%u-1) ... user@host:~$ not the prompt # %08x\r\n",
            static_cast<unsigned long long>(n % 97), static_cast<unsigned>(random() % 40),
            static_cast<unsigned>(random()));
        break;
    }
    text += line;
  }
  text += kPrompt;
  return text;
}

struct Outcome {
  std::optional<double> seconds;  // none: stopped at the limit, or failed
  std::string note;
};

using Watchers = std::vector<hurdle::NamedPattern>;

// The panic watchers a Hurd machine runs its console with.
Watchers hurd_watchers() {
  const auto profile = hurdle::load_machine_profile(
      std::filesystem::path(HURDLE_BENCH_SOURCE_DIR) / "fixtures/machines/hurd-amd64.yaml",
      {{"image", "/dev/null"}});
  return profile.panic_patterns;
}

// hurdle's console path over the file: 4 KiB reads, ANSI filter, append, one search per read.
Outcome run_hurdle(const std::filesystem::path& file, std::size_t window,
                   const Watchers& watchers = {}) {
  hurdle::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return {std::nullopt, "cannot open " + file.string()};
  hurdle::ExpectBuffer::Limits limits;
  limits.max_match_length = window;
  hurdle::ExpectBuffer buffer(limits);
  for (const auto& w : watchers) buffer.add_watcher(w.name, w.pattern);
  hurdle::AnsiFilter filter;
  hurdle::ExpectScan scan({kPattern});
  std::string raw(kChunk, '\0');
  std::string clean;
  const auto start = Clock::now();
  for (;;) {
    const ssize_t n = ::read(fd.get(), raw.data(), raw.size());
    if (n <= 0) return {std::nullopt, "no match before the end of the input"};
    clean.clear();
    filter.feed(std::string_view(raw.data(), static_cast<std::size_t>(n)), clean);
    buffer.append(clean);
    if (auto match = buffer.search(scan)) {
      if (match->text != kPrompt) return {std::nullopt, "matched the wrong text: " + match->text};
      return {std::chrono::duration<double>(Clock::now() - start).count(), ""};
    }
  }
}

// hurdle runs take well under a second: the median of three, so one slow run does not decide.
Outcome median_of_three(const std::filesystem::path& file, std::size_t window,
                        const Watchers& watchers = {}) {
  std::vector<Outcome> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(run_hurdle(file, window, watchers));
    if (!runs.back().seconds) return runs.back();
  }
  std::sort(runs.begin(), runs.end(),
            [](const Outcome& a, const Outcome& b) { return *a.seconds < *b.seconds; });
  return runs[1];
}

// Runs a peer script that prints its own matching time; stops it after `limit`.
Outcome run_peer(const std::vector<std::string>& argv, std::chrono::seconds limit,
                 const std::filesystem::path& out_file) {
  boost::asio::io_context ctx;
  std::FILE* out = std::fopen(out_file.c_str(), "w+");
  if (out == nullptr) return {std::nullopt, "cannot write " + out_file.string()};
  Outcome outcome;
  try {
    bp::process child(ctx, argv[0], std::vector<std::string>(argv.begin() + 1, argv.end()),
                      bp::process_stdio{nullptr, out, nullptr});
    bool exited = false;
    int exit_code = -1;
    child.async_wait([&](boost::system::error_code ec, int code) {
      exited = !ec;
      exit_code = code;
    });
    ctx.run_for(limit);
    if (!exited) {
      child.terminate();
      std::fclose(out);
      return {std::nullopt, "stopped after " + std::to_string(limit.count()) + " s"};
    }
    if (exit_code != 0) outcome.note = "exit " + std::to_string(exit_code);
  } catch (const std::exception& e) {
    std::fclose(out);
    return {std::nullopt, e.what()};
  }
  std::fseek(out, 0, SEEK_SET);
  char buf[64] = {};
  const std::size_t got = std::fread(buf, 1, sizeof buf - 1, out);
  std::fclose(out);
  if (outcome.note.empty() && got > 0) outcome.seconds = std::strtod(buf, nullptr);
  if (!outcome.seconds && outcome.note.empty()) outcome.note = "printed no time";
  return outcome;
}

std::string cell(const Outcome& o, double megabytes) {
  if (!o.seconds) return o.note;
  char text[64];
  std::snprintf(text, sizeof text, "%9.1f MB/s (%.2f s)", megabytes / *o.seconds, *o.seconds);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{10, 100};
  int peer_limit = 60;
  bool peers = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--sizes" && i + 1 < argc) {
      sizes.clear();
      std::stringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoul(item));
    } else if (arg == "--peer-limit" && i + 1 < argc) {
      peer_limit = std::stoi(argv[++i]);
    } else if (arg == "--no-peers") {
      peers = false;
    } else {
      std::cerr
          << "usage: expect_throughput [--sizes 10,100] [--peer-limit SECONDS] [--no-peers]\n";
      return 2;
    }
  }

  hurdle::PrivateFolder dir("bench-expect");
  const std::string peer_dir = HURDLE_BENCH_PEER_DIR;
  const auto limit = std::chrono::seconds(peer_limit);
  std::printf("expect_throughput: prompt after N MB of console text, 4 KiB reads\n");
  std::printf("%-34s", "matcher (window)");
  for (auto mb : sizes) std::printf(" | %-28s", (std::to_string(mb) + " MB").c_str());
  std::printf("\n");

  struct Row {
    std::string name;
    std::vector<Outcome> outcomes;
  };
  std::vector<Row> rows{{"hurdle (4096, default)", {}},
                        {"hurdle (2000)", {}},
                        {"pexpect 4.8 (default: whole buffer)", {}},
                        {"pexpect 4.8 (searchwindowsize 2000)", {}},
                        {"Tcl Expect 5.45 (default match_max)", {}},
                        {"Tcl Expect 5.45 (match_max 2000)", {}},
                        {"hurdle (4096, hurd-amd64 watchers)", {}}};
  const Watchers watchers = hurd_watchers();
  for (auto mb : sizes) {
    const auto file = dir / ("console-" + std::to_string(mb) + "mb.txt");
    { std::ofstream(file, std::ios::binary) << console_text(mb * 1000 * 1000); }
    rows[0].outcomes.push_back(median_of_three(file, 4096));
    rows[1].outcomes.push_back(median_of_three(file, 2000));
    rows[6].outcomes.push_back(median_of_three(file, 4096, watchers));
    const auto out = dir / "peer.out";
    for (int w = 0; w < 2; ++w) {
      const std::string window = w == 0 ? "0" : "2000";
      rows[2 + w].outcomes.push_back(
          peers ? run_peer({"/usr/bin/python3", peer_dir + "/pexpect_throughput.py", file.string(),
                            kPattern, window},
                           limit, out)
                : Outcome{std::nullopt, "not run"});
      rows[4 + w].outcomes.push_back(
          peers ? run_peer({"/usr/bin/expect", "-f", peer_dir + "/expect_throughput.exp",
                            file.string(), kPattern, window},
                           limit, out)
                : Outcome{std::nullopt, "not run"});
    }
    std::filesystem::remove(file);
  }
  for (const auto& row : rows) {
    std::printf("%-34s", row.name.c_str());
    for (std::size_t i = 0; i < sizes.size(); ++i)
      std::printf(" | %-28s", cell(row.outcomes[i], static_cast<double>(sizes[i])).c_str());
    std::printf("\n");
  }
  // The goals of issue 3: >= 100 MB/s, >= 20x the best pexpect row, linear from 10 to 100 MB.
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const auto& h = rows[0].outcomes[i];
    if (!h.seconds) continue;
    double best_peer = 0;
    for (int r = 2; r <= 3; ++r)
      if (rows[r].outcomes[i].seconds)
        best_peer = std::max(best_peer, sizes[i] / *rows[r].outcomes[i].seconds);
    std::printf("%zu MB: hurdle %.0f MB/s", sizes[i], sizes[i] / *h.seconds);
    if (best_peer > 0)
      std::printf(", %.0fx the fastest pexpect row", (sizes[i] / *h.seconds) / best_peer);
    if (rows[6].outcomes[i].seconds)
      std::printf("; with the %zu hurd-amd64 watchers %.0f MB/s, %.0f%% of that", watchers.size(),
                  sizes[i] / *rows[6].outcomes[i].seconds,
                  100.0 * *h.seconds / *rows[6].outcomes[i].seconds);
    std::printf("\n");
  }
  for (int r : {0, 1, 6})
    for (const auto& o : rows[r].outcomes)
      if (!o.seconds) return 1;  // hurdle's matcher must always find the prompt
  return 0;
}
