// tests/bench/reset: how fast a scenario gets a pristine machine in each reset mode, on the
// linux-mini guest under TCG, at 512 MiB and 2 GiB of guest RAM with 400 MiB of it dirtied
// (random data in a tmpfs of the guest) before the pristine state is taken:
//   clone (spare)  CloneReset as the runner uses it: the next clone is made in the background
//                  while a scenario runs, and a reset swaps it in
//   clone          CloneReset without the spare: a new QEMU from the template at each reset
//   snapshot       SnapshotReset: a restore of `pristine` in the one machine
//   reboot         RebootReset: a new machine booted and logged in (the baseline)
// Median and p95 over N resets of each, to console-ready (the guest echoed a marker on the
// console) and to SSH-ready (a round trip over the reconnected session). Then: the time from
// the first use of a suite to its first scenario with a cold and a warm boot cache, and the
// proportional memory (PSS) of 1, 2 and 4 idle clones of the 2 GiB template against N x RAM.
//
// Usage: reset [--resets 30] [--sizes 512,2048]
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "core/private_folder.hpp"
#include "engine/clone_reset.hpp"
#include "engine/reboot_reset.hpp"
#include "engine/snapshot_reset.hpp"
#include "engine/suite_runner.hpp"
#include "engine/template_source.hpp"
#include "machine/machine.hpp"
#include "machine/machine_template.hpp"
#include "suite/suite_loader.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using hurdle::Machine;
using hurdle::bench::machine_options;
using hurdle::bench::ms_since;
using hurdle::bench::percentile;

struct Times {
  std::vector<double> console, ssh;  // ms
};

hurdle::MachineProfile profile_of(std::uint64_t mib) {
  auto p = hurdle::load_machine_profile(fs::path(HURDLE_BENCH_SOURCE_DIR) /
                                        "fixtures/machines/linux-mini.yaml");
  p.memory_mib = mib;
  return p;
}

// Boots, logs in, dirties 400 MiB, connects SSH: the pristine state.
std::unique_ptr<Machine> booted(std::uint64_t mib, const fs::path& logs, const fs::path& ram) {
  auto o = machine_options(logs);
  o.template_ram = ram;
  auto vm = Machine::start(profile_of(mib), o);
  vm->wait_for_boot();
  vm->login();
  // The root file system is limited to half the RAM: a tmpfs of its own holds the 400 MiB.
  vm->succeed(
      "mkdir -p /dirt && mount -t tmpfs -o size=410m tmpfs /dirt && "
      "dd if=/dev/urandom of=/dirt/random bs=1M count=400 2>/dev/null",
      std::chrono::minutes(5));
  return vm;
}

// N resets of `reset`'s kind, each followed by a scenario's worth of work (a command over SSH):
// console-ready is when start() returns (the guest has answered on the console), SSH-ready
// when a command over SSH has come back.
Times resets_of(hurdle::ResetStrategy& reset, int n) {
  Times times;
  reset.prepare();
  for (int i = 0; i < n; ++i) {
    const auto start = Clock::now();
    Machine& vm = reset.start("pristine").machine;
    times.console.push_back(ms_since(start));
    vm.succeed("true");
    times.ssh.push_back(ms_since(start));
    vm.succeed("echo " + std::to_string(i) + " > /root/scenario");  // the scenario
  }
  return times;
}

// The proportional set size of a process, in MiB (smaps_rollup).
double pss_mib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Pss:", 0) == 0) {
      std::istringstream s(line.substr(4));
      double kib = 0;
      s >> kib;
      return kib / 1024;
    }
  }
  return 0;
}

// From SuiteRunner's first use to its first scenario's console being ready.
double first_scenario_seconds(const fs::path& suite, const fs::path& cache, const fs::path& out) {
  hurdle::RunOptions o;
  o.accel = hurdle::Accelerator::kTcg;
  o.report_dir = out;
  o.cache_dir = cache;
  const auto start = Clock::now();
  hurdle::SuiteRunner runner(hurdle::load_suite(suite), o);
  const auto r = runner.run_scenario(0);
  if (r.status != hurdle::Verdict::kPassed) {
    std::cerr << "the first scenario did not pass: " << r.message << "\n";
    std::exit(1);
  }
  double steps = 0;
  for (const auto& s : r.steps) steps += std::chrono::duration<double>(s.elapsed).count();
  return std::chrono::duration<double>(Clock::now() - start).count() - steps;
}

}  // namespace

int main(int argc, char** argv) {
  int resets = 30;
  std::vector<std::uint64_t> sizes = {512, 2048};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--resets" && i + 1 < argc) {
      resets = std::stoi(argv[++i]);
    } else if (arg == "--sizes" && i + 1 < argc) {
      sizes.clear();
      std::istringstream list(argv[++i]);
      for (std::string size; std::getline(list, size, ',');) sizes.push_back(std::stoull(size));
    } else {
      std::cerr << "usage: reset [--resets N] [--sizes MIB,MIB]\n";
      return 2;
    }
  }
  if (std::getenv("HURDLE_GUEST_DIR") == nullptr)
    ::setenv("HURDLE_GUEST_DIR", HURDLE_BENCH_GUEST_DIR, 1);
  hurdle::PrivateFolder dir("bench-reset", fs::temp_directory_path());

  std::printf("reset: linux-mini under TCG, 400 MiB dirtied before pristine, %d resets per mode\n",
              resets);
  std::printf("%-9s | %-13s | %14s | %13s | %12s | %9s\n", "RAM", "mode", "console median",
              "console p95", "SSH median", "SSH p95");
  std::vector<double> pss;
  std::uint64_t pss_size = 0;
  double ram_file_mib = 0;
  for (const std::uint64_t mib : sizes) {
    const fs::path logs = dir / ("logs-" + std::to_string(mib));
    const fs::path runs = dir / ("runs-" + std::to_string(mib));
    fs::create_directories(runs);
    // Every mode's pristine state: booted, logged in, 400 MiB dirtied, SSH connected.
    const auto boot = [&](const fs::path& ram) {
      auto vm = booted(mib, logs, ram);
      (void)vm->ssh();
      return vm;
    };
    hurdle::Variables provisioned;
    hurdle::TemplateSource::Settings settings;
    settings.profile = profile_of(mib);
    settings.key.hex = "bench-" + std::to_string(mib);
    settings.log_dir = logs;
    settings.work_dir = runs;
    auto source = std::make_shared<hurdle::TemplateSource>(boot, settings, provisioned);
    // Each mode alone: the machines of one are gone before the next is measured.
    Times with_spare, clone;
    {
      hurdle::CloneReset spare(source, machine_options(logs), true, true);
      with_spare = resets_of(spare, resets);
    }
    {
      hurdle::CloneReset cold(source, machine_options(logs), false, false);
      clone = resets_of(cold, resets);
    }
    Times snap;
    {
      hurdle::SnapshotReset snapshot([&](const fs::path&) { return boot({}); });
      snap = resets_of(snapshot, resets);
    }
    Times fresh;
    {
      hurdle::RebootReset reboot([&](const fs::path&) {
        auto vm = Machine::start(profile_of(mib), machine_options(logs));
        vm->wait_for_boot();
        vm->login();
        return vm;
      });
      fresh = resets_of(reboot, resets);
    }
    for (const auto& [mode, times] :
         {std::pair{"clone (spare)", with_spare}, std::pair{"clone", clone},
          std::pair{"snapshot", snap}, std::pair{"reboot", fresh}}) {
      std::printf("%5llu MiB | %-13s | %11.0f ms | %10.0f ms | %9.0f ms | %6.0f ms\n",
                  static_cast<unsigned long long>(mib), mode, percentile(times.console, 0.5),
                  percentile(times.console, 0.95), percentile(times.ssh, 0.5),
                  percentile(times.ssh, 0.95));
    }
    std::printf(
        "%5llu MiB: console-ready medians: clone (spare) %.1fx and clone %.1fx faster than "
        "snapshot; %.1fx and %.1fx faster than reboot\n",
        static_cast<unsigned long long>(mib),
        percentile(snap.console, 0.5) / percentile(with_spare.console, 0.5),
        percentile(snap.console, 0.5) / percentile(clone.console, 0.5),
        percentile(fresh.console, 0.5) / percentile(with_spare.console, 0.5),
        percentile(fresh.console, 0.5) / percentile(clone.console, 0.5));
    if (mib == sizes.back()) {
      // Idle clones of this template: what they cost the host together.
      pss_size = mib;
      std::vector<std::unique_ptr<Machine>> clones;
      for (int n : {1, 2, 4}) {
        while (static_cast<int>(clones.size()) < n)
          clones.push_back(
              source->clone(machine_options(logs / ("idle-" + std::to_string(clones.size())))));
        std::this_thread::sleep_for(std::chrono::seconds(2));  // idle
        double total = 0;
        for (auto& c : clones) total += pss_mib(c->process().pid());
        pss.push_back(total);
      }
      // Paid once, whatever the number of clones: the template's RAM file, as allocated.
      for (const auto& e : fs::recursive_directory_iterator(runs)) {
        struct stat st {};
        if (e.path().filename() == "ram" && ::stat(e.path().c_str(), &st) == 0)
          ram_file_mib = static_cast<double>(st.st_blocks) * 512 / (1 << 20);
      }
    }
  }
  std::printf("\nPSS of idle clones of the %llu MiB template (QEMU processes, smaps_rollup):\n",
              static_cast<unsigned long long>(pss_size));
  int n_index = 0;
  for (int n : {1, 2, 4}) {
    std::printf("  %d clone(s): %7.0f MiB  (N x RAM = %llu MiB)\n", n, pss[n_index++],
                static_cast<unsigned long long>(n * pss_size));
  }
  std::printf("  plus the template's RAM file, once: %.0f MiB allocated\n", ram_file_mib);

  // The first scenario of a suite: cold (booting and making the template) and warm (the boot
  // cache has it).
  const fs::path suite = dir / "first.yaml";
  std::ofstream(suite) << "suite: first\nmachine: " << HURDLE_BENCH_SOURCE_DIR
                       << "/fixtures/machines/linux-mini.yaml\nboot:\n  login: true\n"
                          "scenarios:\n  - name: one\n    steps:\n      - ssh.run: \"true\"\n";
  const fs::path cache = dir / "cache";
  const double cold = first_scenario_seconds(suite, cache, dir / "cold");
  const double warm = first_scenario_seconds(suite, cache, dir / "warm");
  std::printf("\ntime to the first scenario: cold cache %.2f s, warm cache %.2f s (%.1fx)\n", cold,
              warm, cold / warm);
  return 0;
}
