// tests/bench/hurd_boot: the real Hurd (the hurd-mini guest: GNU Mach and the Hurd's servers
// built from Debian's sources) under TCG, with the hurd-mini profile as a suite uses it. Where
// hurd-mini is not built (see fixtures/guests/hurd-mini/build) it prints why and exits 77, which
// CTest counts as skipped.
//   boot      QEMU started -> each boot marker (grub, gnumach, hurd-servers, login) and on to
//             a root shell that answered `true` on the console: the median of N boots
//   resets    to a root shell that answers, again: a reboot (a new machine booted and logged
//             in, the baseline: what the `reboot` reset does), a snapshot restored into the
//             running Hurd (`snapshot`), and a clone of a template (`clone`, without a spare):
//             median and p95 of M each
// The last line compares the two resets with the reboot.
//
// Usage: hurd_boot [--boots 3] [--resets 10]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "core/private_folder.hpp"
#include "machine/machine.hpp"
#include "machine/machine_template.hpp"
#include "support/hurd_mini.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using hurdle::Machine;
using hurdle::bench::machine_options;
using hurdle::bench::percentile;

double s_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  int boots = 3;
  int resets = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--boots" && i + 1 < argc) {
      boots = std::max(1, std::stoi(argv[++i]));
    } else if (arg == "--resets" && i + 1 < argc) {
      resets = std::max(1, std::stoi(argv[++i]));
    } else {
      std::cerr << "usage: hurd_boot [--boots N] [--resets N]\n";
      return 2;
    }
  }
  if (std::getenv("HURDLE_GUEST_DIR") == nullptr)
    ::setenv("HURDLE_GUEST_DIR", HURDLE_BENCH_GUEST_DIR, 1);
  if (const auto why = hurdle::test::hurd_mini_missing(std::getenv("HURDLE_GUEST_DIR"))) {
    std::printf("hurd_boot: skipped: %s\n", why->c_str());
    return 77;
  }
  hurdle::PrivateFolder dir("bench-hurd-boot", fs::temp_directory_path());

  // Boots: each marker's time from QEMU's start, and a root shell. The last machine stays up
  // (its RAM in a file) for the resets.
  std::vector<std::string> order;
  std::map<std::string, std::vector<double>> markers;
  std::vector<double> shell;
  std::unique_ptr<Machine> vm;
  for (int b = 0; b < boots; ++b) {
    auto o = machine_options(dir.path() / ("boot-" + std::to_string(b)));
    if (b == boots - 1) o.template_ram = dir.path() / "ram";
    const auto start = Clock::now();
    vm = Machine::from_profile("hurd-mini", o);
    for (const auto& m : vm->wait_for_boot()) {
      if (b == 0) order.push_back(m.name);
      markers[m.name].push_back(std::chrono::duration<double>(m.after).count());
    }
    (void)vm->succeed("true");  // logs in on the console first
    shell.push_back(s_since(start));
    if (b != boots - 1) vm->crash();
  }

  // Snapshot restores into the running Hurd, each proven by a console round trip.
  std::vector<double> snapshot;
  vm->snapshot("pristine");
  for (int r = 0; r < resets; ++r) {
    (void)vm->succeed("echo dirty > /root/dirty");
    const auto start = Clock::now();
    (void)vm->restore("pristine");
    (void)vm->succeed("true");
    snapshot.push_back(s_since(start));
  }

  // Clones of a template made from the same machine.
  const hurdle::MachineProfile profile = vm->profile();
  (void)vm->save_template(dir.path() / "template", {}, "");
  vm.reset();
  const auto made = hurdle::MachineTemplate::open(dir.path() / "template", profile);
  std::vector<double> clone;
  for (int r = 0; r < resets; ++r) {
    const auto start = Clock::now();
    auto c = Machine::clone(made, machine_options(dir.path() / ("clone-" + std::to_string(r))));
    (void)c->succeed("true");
    clone.push_back(s_since(start));
  }

  std::printf("hurd_boot: the hurd-mini guest (real GNU Mach and Hurd) under TCG\n");
  std::printf("boot, median of %d: seconds from QEMU's start\n", boots);
  std::printf("  %-14s | %8s | %8s\n", "marker", "median", "max");
  for (const auto& name : order)
    std::printf("  %-14s | %8.2f | %8.2f\n", name.c_str(), percentile(markers[name], 0.5),
                percentile(markers[name], 1.0));
  std::printf("  %-14s | %8.2f | %8.2f\n", "root shell", percentile(shell, 0.5),
              percentile(shell, 1.0));
  std::printf("reset to a root shell that answers, %d each (seconds)\n", resets);
  std::printf("  %-28s | %8s | %8s\n", "mode", "median", "p95");
  std::printf("  %-28s | %8.2f | %8.2f\n", "reboot (new boot, baseline)", percentile(shell, 0.5),
              percentile(shell, 0.95));
  std::printf("  %-28s | %8.2f | %8.2f\n", "snapshot restore", percentile(snapshot, 0.5),
              percentile(snapshot, 0.95));
  std::printf("  %-28s | %8.2f | %8.2f\n", "clone of a template", percentile(clone, 0.5),
              percentile(clone, 0.95));
  const double reboot = percentile(shell, 0.5);
  std::printf("hurd-mini: snapshot restore %.1fx, clone %.1fx faster than a reboot\n",
              reboot / percentile(snapshot, 0.5), reboot / percentile(clone, 0.5));
  return 0;
}
