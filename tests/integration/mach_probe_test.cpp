// Real GNU Mach at work: Debian's 64-bit kernel runs mach-probe, hurdle's own first task
// (fixtures/guests/mach-probe), from the GRUB medium hurdle makes of the profile's `boot:
// multiboot:`. Boot markers through the kernel's own lines to the probe's prompt, commands
// over the kernel's serial driver, the probe's memory and live threads across a snapshot and
// template clones, halt and reboot through host_reboot, a fault the task reports, and a broken
// module the kernel panics on, which fails the boot at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "machine/machine.hpp"
#include "machine/machine_template.hpp"
#include "support/boot_cache_cleanup.hpp"
#include "support/hurdle_command.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_machine.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using test::machine_options;
using test::read_file;
using ::testing::HasSubstr;
using ::testing::Not;

// The probe's `time`: the kernel's clock, in microseconds.
std::uint64_t kernel_time_us(Machine& vm) {
  const std::string out = vm.succeed("time");
  unsigned long long seconds = 0, micros = 0;
  if (std::sscanf(out.c_str(), "time %llu.%llu", &seconds, &micros) != 2)
    throw std::runtime_error("not a time: " + out);
  return seconds * 1'000'000ULL + micros;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(MachProbe, BootsThroughGnuMachsOwnLinesToThePromptAndAnswersOverTheSerialDriver) {
  auto vm = Machine::from_profile("mach-probe", machine_options("mach-probe-boot"));
  vm->wait_for_boot();
  EXPECT_EQ(vm->succeed("echo hello from the host"), "hello from the host\n");
  EXPECT_THAT(vm->succeed("version"), HasSubstr("GNU Mach 1.8"));
  EXPECT_EQ(vm->succeed("get"), "value 0\n");
  const CommandResult bogus = vm->fail("bogus");
  EXPECT_EQ(bogus.over, "console");
  EXPECT_EQ(bogus.out, "error: unknown command bogus\n");
  // The boot as the kernel printed it: GRUB's line, the banner, the module and the task.
  const std::string console = read_file(vm->log_dir() / "console.txt");
  for (const char* line : {"booting-start-of-test", "GNU Mach 1.8+git", "1 multiboot modules",
                           "start mach-probe", "mach-probe ready"})
    EXPECT_THAT(console, HasSubstr(line));
  // The boot medium is hurdle's, made once and kept by what it holds.
  ASSERT_TRUE(vm->profile().cdrom.has_value());
  EXPECT_EQ(vm->profile().cdrom->parent_path().filename(), "boot-media");
}

TEST(MachProbe, ASnapshotRestoresTheTasksMemoryWhileTheKernelClockMovesOn) {
  auto vm = Machine::from_profile("mach-probe", machine_options("mach-probe-snapshot"));
  vm->wait_for_boot();
  vm->succeed("set 7");
  vm->succeed("threads 2");  // live threads, kept by the snapshot
  const std::uint64_t at_snapshot = kernel_time_us(*vm);
  vm->snapshot("seven");
  vm->succeed("set 99");
  vm->succeed("threads 1");
  EXPECT_EQ(vm->succeed("threads"), "threads 5\n");

  const RestoreReport report = vm->restore("seven");
  EXPECT_EQ(report.verified_by, "console round trip");
  EXPECT_EQ(vm->succeed("get"), "value 7\n");
  EXPECT_EQ(vm->succeed("threads"), "threads 4\n");
  const std::uint64_t after_restore = kernel_time_us(*vm);
  EXPECT_GE(after_restore, at_snapshot);
  vm->succeed("ipc 20000");  // time passes in the guest
  EXPECT_GT(kernel_time_us(*vm), after_restore);
}

TEST(MachProbe, TwoTemplateClonesRunAtOnceAndEachKeepsItsOwnValue) {
  PrivateFolder dir("mach-probe-template");
  MachineOptions o = machine_options("mach-probe-template");
  o.template_ram = dir.path() / "ram";
  auto vm = Machine::from_profile("mach-probe", o);
  vm->wait_for_boot();
  vm->succeed("set 11");
  vm->succeed("tasks 2");
  const MachineProfile profile = vm->profile();
  (void)vm->save_template(dir.path() / "template", {}, "");
  const MachineTemplate made = MachineTemplate::open(dir.path() / "template", profile);

  auto first = Machine::clone(made, machine_options("mach-probe-clone-1"));
  auto second = Machine::clone(made, machine_options("mach-probe-clone-2"));
  EXPECT_EQ(first->last_restore().verified_by, "console round trip");
  EXPECT_EQ(second->last_restore().verified_by, "console round trip");
  EXPECT_EQ(first->succeed("get"), "value 11\n");
  EXPECT_EQ(second->succeed("get"), "value 11\n");
  first->succeed("set 21");
  second->succeed("set 22");
  EXPECT_EQ(first->succeed("get"), "value 21\n");
  EXPECT_EQ(second->succeed("get"), "value 22\n");
  // The template's tasks live on in each clone: the kernel answers for each of them.
  EXPECT_EQ(first->succeed("tasks"), "tasks 2 threads 2\n");
  EXPECT_EQ(second->succeed("tasks"), "tasks 2 threads 2\n");
  for (const auto* clone : {first.get(), second.get()})
    EXPECT_THAT(read_file(clone->log_dir() / "console.txt"), Not(HasSubstr("GNU Mach 1.8")))
        << "a clone booted: " << clone->log_dir();
}

TEST(MachProbe, HaltEndsPowerOffAndRebootIsANewBoot) {
  auto vm = Machine::from_profile("mach-probe", machine_options("mach-probe-power"));
  vm->wait_for_boot();
  vm->succeed("set 3");
  vm->reboot();  // `reboot`: host_reboot, GRUB and the kernel again
  EXPECT_EQ(vm->succeed("get"), "value 0\n");
  EXPECT_EQ(count_of(read_file(vm->log_dir() / "console.txt"), "booting-start-of-test"), 2u);

  const PowerOffReport off = vm->power_off();  // `halt`: host_reboot(RB_HALT)
  EXPECT_THAT(off.by, HasSubstr("Shutdown completed successfully"));
  EXPECT_EQ(vm->state(), MachineState::kPoweredOff);
}

TEST(MachProbe, AFaultInTheTaskIsReportedAndThePromptComesBack) {
  auto vm = Machine::from_profile("mach-probe", machine_options("mach-probe-fault"));
  vm->wait_for_boot();
  const CommandResult fault = vm->fail("fault");
  // EXC_BAD_ACCESS (1), KERN_INVALID_ADDRESS (1), at address 0, as the kernel told the task.
  EXPECT_THAT(fault.out, HasSubstr("error: the task faulted: exception 1 code 1 address 0x0 "));
  EXPECT_EQ(vm->succeed("echo still here"), "still here\n");
}

TEST(MachProbe, ABrokenModuleMakesGnuMachPanicAndTheBootFailsOnThePanicLine) {
  PrivateFolder dir("mach-probe-broken");
  const fs::path garbage = dir.path() / "not-an-elf";
  std::ofstream(garbage) << std::string(4096, 'x');
  // The profile's first task replaced, as a suite's `machine: {variables: {probe: ...}}` does.
  MachineOptions o = machine_options("mach-probe-broken");
  o.variables["probe"] = garbage.string();
  auto vm = Machine::from_profile("mach-probe", o);
  try {
    vm->wait_for_boot();
    FAIL() << "the machine booted a module that is not a program";
  } catch (const ConsoleError& e) {
    EXPECT_THAT(e.what(), HasSubstr("gnumach-panic"));
    EXPECT_THAT(e.what(), HasSubstr("Cannot load user executable module"));
  }
}

// A suite from the command line: four scenarios in two lanes, each on a fresh machine; a
// second run takes the booted machine from the boot cache and boots nothing.
TEST(MachProbe, ASuiteRunsInTwoLanesAndASecondRunStartsFromTheBootCache) {
  const fs::path dir =
      fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / "mach-probe-suite";
  fs::remove_all(dir);
  ::setenv("HURDLE_CACHE_DIR", (dir / "cache").c_str(), 1);
  ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
  const std::string suite = (test::source_dir() / "tests/data/suites/mach-probe.yaml").string();
  auto run = [&](const std::string& name) {
    return test::hurdle_command({"run", "--accel", "tcg", "-j", "2", "--report-dir",
                                 (dir / name).string(), "--junit", (dir / (name + ".xml")).string(),
                                 suite});
  };
  const auto [first_status, first_out] = run("first");
  EXPECT_EQ(first_status, 0) << first_out;
  EXPECT_THAT(read_file(dir / "first.xml"), HasSubstr(R"(name="boot_cache" value="made")"));
  const auto [second_status, second_out] = run("second");
  EXPECT_EQ(second_status, 0) << second_out;
  const std::string junit = read_file(dir / "second.xml");
  EXPECT_THAT(junit, HasSubstr(R"(name="boot_cache" value="used")"));
  EXPECT_THAT(junit, HasSubstr(R"(tests="4")"));
  EXPECT_THAT(junit, HasSubstr(R"(failures="0")"));
  // No console of the second run shows the kernel's banner: nothing booted.
  std::string consoles;
  for (const auto& e : fs::recursive_directory_iterator(dir / "second"))
    if (e.path().filename() == "console.txt") consoles += read_file(e.path());
  EXPECT_THAT(consoles, HasSubstr("mach-probe> "));
  EXPECT_THAT(consoles, Not(HasSubstr("booting-start-of-test")));
  ::unsetenv("HURDLE_CACHE_DIR");
  test::forget_boot_cache(dir / "cache");
}

}  // namespace
}  // namespace hurdle
