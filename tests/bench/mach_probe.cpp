// tests/bench/mach_probe: real GNU Mach (Debian's 64-bit kernel) with mach-probe under TCG.
//   1. The probe machine: boot to the probe's first answer (GRUB, the kernel, the task, a
//      console round trip), a console command, a snapshot restore to its answer, and a template
//      clone to its answer; median and p95 over N rounds.
//   2. GNU Mach's test-module protocol on M modules (the probe as `test-pass`): the way GNU
//      Mach's own harness runs them (peers/gnumach_test_loop.sh: a rescue ISO each, QEMU with
//      -no-reboot under `timeout`, `grep` of the console, one at a time) against `hurdle
//      mach-test -j 2`, first with no medium made yet, then with the media in its cache.
//
// Usage: mach_probe [--rounds 10] [--modules 8]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "machine/machine.hpp"
#include "machine/machine_template.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using hurdle::Machine;
using hurdle::bench::machine_options;
using hurdle::bench::ms_since;
using hurdle::bench::percentile;

double seconds_of(const std::vector<std::string>& argv, bool must_pass) {
  const auto start = Clock::now();
  const hurdle::ProgramResult r = hurdle::run_program(argv);
  const double s = ms_since(start) / 1000.0;
  if (must_pass && !r.ok()) {
    std::cerr << argv[0] << " failed (exit " << r.exit_code << "):\n" << r.out << r.err;
    std::exit(1);
  }
  return s;
}

void row(const char* what, const std::vector<double>& ms) {
  std::printf("%-34s | %10.0f | %10.0f\n", what, percentile(ms, 0.5), percentile(ms, 0.95));
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 10;
  int modules = 8;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::stoi(argv[++i]);
    } else if (arg == "--modules" && i + 1 < argc) {
      modules = std::stoi(argv[++i]);
    } else {
      std::cerr << "usage: mach_probe [--rounds N] [--modules M]\n";
      return 2;
    }
  }
  if (std::getenv("HURDLE_GUEST_DIR") == nullptr)
    ::setenv("HURDLE_GUEST_DIR", HURDLE_BENCH_GUEST_DIR, 1);
  const fs::path guest = fs::path(HURDLE_BENCH_GUEST_DIR) / "mach-probe";
  hurdle::PrivateFolder dir("bench-mach-probe", fs::temp_directory_path());
  // The boot media go to a cache of the bench's own: the first run makes them.
  ::setenv("HURDLE_CACHE_DIR", (dir / "cache").c_str(), 1);

  std::vector<double> boot, command, restore, clone;
  for (int i = 0; i < rounds; ++i) {
    auto start = Clock::now();
    hurdle::MachineOptions o = machine_options(dir / ("boot-" + std::to_string(i)));
    if (i == 0) o.template_ram = dir / "ram";
    auto vm = Machine::from_profile("mach-probe", o);
    vm->wait_for_boot();
    (void)vm->succeed("get");
    boot.push_back(ms_since(start));
    start = Clock::now();
    (void)vm->succeed("echo round trip");
    command.push_back(ms_since(start));
    if (i == 0) {
      // The template every clone starts from.
      const hurdle::MachineProfile profile = vm->profile();
      (void)vm->save_template(dir / "template", {}, "");
      const auto made = hurdle::MachineTemplate::open(dir / "template", profile);
      for (int c = 0; c < rounds; ++c) {
        start = Clock::now();
        auto one = Machine::clone(made, machine_options(dir / ("clone-" + std::to_string(c))));
        (void)one->succeed("get");
        clone.push_back(ms_since(start));
      }
      continue;
    }
    vm->snapshot("pristine");
    for (int r = 0; r < 2; ++r) {
      vm->succeed("set 5");
      start = Clock::now();
      (void)vm->restore("pristine");
      (void)vm->succeed("get");
      restore.push_back(ms_since(start));
    }
  }
  if (rounds < 2) {  // a restore needs a machine of its own; one round makes the template
    auto vm = Machine::from_profile("mach-probe", machine_options(dir / "restore"));
    vm->wait_for_boot();
    vm->snapshot("pristine");
    const auto start = Clock::now();
    (void)vm->restore("pristine");
    (void)vm->succeed("get");
    restore.push_back(ms_since(start));
  }
  std::printf("mach_probe: Debian's GNU Mach + mach-probe under TCG, %d rounds\n", rounds);
  std::printf("%-34s | %10s | %10s\n", "to the probe's answer", "median ms", "p95 ms");
  row("boot (GRUB, kernel, task, answer)", boot);
  row("console command (echo)", command);
  row("snapshot restore", restore);
  row("template clone", clone);

  // The protocol: M passing modules (the probe passes as a module named test-pass).
  std::vector<std::string> module_files;
  for (int m = 0; m < modules; ++m) {
    const fs::path file = dir / "modules" / std::to_string(m) / "test-pass";
    fs::create_directories(file.parent_path());
    fs::copy_file(guest / "mach-probe", file);
    module_files.push_back(file.string());
  }
  std::vector<std::string> loop = {
      (fs::path(HURDLE_BENCH_SOURCE_DIR) / "tests/bench/peers/gnumach_test_loop.sh").string(),
      (guest / "gnumach").string(), (dir / "loop").string()};
  loop.insert(loop.end(), module_files.begin(), module_files.end());
  const double baseline = seconds_of(loop, false);
  std::vector<std::string> hurdle = {
      HURDLE_BENCH_HURDLE, "mach-test", "--kernel",     (guest / "gnumach").string(), "-j", "2",
      "--accel",           "tcg",       "--report-dir", (dir / "reports").string()};
  hurdle.insert(hurdle.end(), module_files.begin(), module_files.end());
  const double cold = seconds_of(hurdle, true);
  const double warm = seconds_of(hurdle, true);
  std::printf("\n%d test modules, GNU Mach's test-module protocol:\n", modules);
  std::printf("%-44s | %8s\n", "how", "seconds");
  std::printf("%-44s | %8.2f\n", "GNU Mach's way (ISO each, one at a time)", baseline);
  std::printf("%-44s | %8.2f\n", "hurdle mach-test -j 2, media made", cold);
  std::printf("%-44s | %8.2f\n", "hurdle mach-test -j 2, media in the cache", warm);
  std::printf("hurdle mach-test with cached media is %.2fx faster than GNU Mach's way\n",
              baseline / warm);
  return 0;
}
