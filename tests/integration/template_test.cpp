// Machine templates and their clones on the linux-mini guest under TCG: a clone starts where
// the template was saved without booting, nothing one clone does reaches the template or the
// next clone (the RAM file and the base image keep their sha256 through 50 clones), and a
// damaged template is refused with what is wrong. Also: a restore proves the guest alive on
// the console when its shell waited at the prompt, and SSH comes back in the background.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "machine/machine.hpp"
#include "machine/machine_template.hpp"
#include "qemu/machine_profile.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_machine.hpp"

namespace hurdle {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace fs = std::filesystem;
using test::machine_options;
using test::read_file;
using test::sha256_of;

// A logged-in linux-mini whose SSH answered, made into a template in `folder`.
MachineTemplate make_template(const fs::path& folder, const std::string& test_name) {
  MachineOptions o = machine_options(test_name);
  o.template_ram = folder / "ram";
  auto vm = Machine::from_profile("linux-mini", o);
  vm->wait_for_boot();
  vm->login();
  vm->succeed("echo template > /root/made-in-template");
  // The disk too: 4 MiB at 1 MiB in, which each clone checks and then overwrites.
  vm->succeed("dd if=/dev/urandom of=/dev/vda bs=1M count=4 seek=1 conv=fsync 2>/dev/null");
  const MachineProfile profile = vm->profile();
  (void)vm->save_template(folder / "template", {}, "");
  EXPECT_FALSE(vm->running());
  return MachineTemplate::open(folder / "template", profile);
}

TEST(Template, FiftyClonesAreIsolatedAndLeaveTheTemplateAndTheBaseUnchanged) {
  PrivateFolder dir("template-fifty", fs::temp_directory_path());
  const MachineTemplate t = make_template(dir.path(), "template-fifty");
  const fs::path base = test::guest_dir("linux-mini") / "disk.qcow2";
  const std::string ram_before = sha256_of(dir.path() / "ram");
  const std::string base_before = sha256_of(base);
  const std::string disk_before = sha256_of(t.folder() / "scratch.qcow2");
  EXPECT_TRUE(t.manifest().console_at_prompt);
  const auto disk_sum = [](Machine& m) {
    return m.succeed("dd if=/dev/vda bs=1M count=4 skip=1 2>/dev/null | md5sum");
  };
  std::string template_disk;
  for (int i = 0; i < 50; ++i) {
    auto clone = Machine::clone(t, machine_options("template-fifty-clone"));
    ASSERT_EQ(clone->last_restore().verified_by, "channel round trip") << "clone " << i;
    // What the template wrote is there; what the clone before wrote is not.
    EXPECT_EQ(clone->succeed("cat /root/made-in-template"), "template\n") << "clone " << i;
    clone->fail("test -e /root/from-a-clone");
    const std::string sum = disk_sum(*clone);
    if (i == 0) template_disk = sum;
    EXPECT_EQ(sum, template_disk) << "clone " << i << " saw another clone's disk";
    // Into RAM (the root is a RAM file system) and onto the disk, past any cache.
    clone->succeed("echo " + std::to_string(i) + " > /root/from-a-clone");
    clone->succeed("dd if=/dev/urandom of=/dev/vda bs=1M count=4 seek=1 conv=fsync 2>/dev/null");
    EXPECT_NE(disk_sum(*clone), template_disk);
    // SSH, when a command asks for it, reaches the same clone.
    EXPECT_EQ(clone->run_over_ssh("cat /root/from-a-clone").out, std::to_string(i) + "\n")
        << "clone " << i;
  }
  EXPECT_EQ(sha256_of(dir.path() / "ram"), ram_before);
  EXPECT_EQ(sha256_of(base), base_before);
  EXPECT_EQ(sha256_of(t.folder() / "scratch.qcow2"), disk_before);
}

TEST(Template, TwoClonesRunAtOnceWithoutSeeingEachOther) {
  PrivateFolder dir("template-two", fs::temp_directory_path());
  const MachineTemplate t = make_template(dir.path(), "template-two");
  auto a = Machine::clone(t, machine_options("template-two-a"));
  auto b = Machine::clone(t, machine_options("template-two-b"));
  a->succeed("echo a > /root/who");
  b->succeed("echo b > /root/who");
  EXPECT_EQ(a->succeed("cat /root/who"), "a\n");
  EXPECT_EQ(b->succeed("cat /root/who"), "b\n");
  EXPECT_NE(a->host_port("ssh"), b->host_port("ssh"));
  // The host key is the template's in both.
  EXPECT_EQ(a->ssh_host_key_pin().pinned(), b->ssh_host_key_pin().pinned());
}

TEST(Template, ADamagedTemplateIsRefusedNamingWhatIsWrong) {
  PrivateFolder dir("template-damaged", fs::temp_directory_path());
  const MachineTemplate t = make_template(dir.path(), "template-damaged");
  const MachineProfile profile = t.profile();
  const fs::path state = t.folder() / t.manifest().state;
  {
    // A state with one byte changed.
    std::fstream f(state, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  try {
    (void)MachineTemplate::open(t.folder(), profile);
    FAIL() << "a changed state was accepted";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("is damaged: its state"));
    EXPECT_THAT(e.what(), HasSubstr("sha256"));
  }
  fs::resize_file(dir.path() / "ram", 4096);
  try {
    (void)MachineTemplate::open(t.folder(), profile);
    FAIL() << "a truncated RAM file was accepted";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("its RAM file"));
    EXPECT_THAT(e.what(), HasSubstr("has 4096 bytes, not the 536870912"));
  }
}

// A frozen disk's qcow2 header may come from a pack: one that names a host file as its backing
// file is refused before QEMU or qemu-img opens it, and a clone is never made on it.
TEST(Template, AFrozenDiskThatNamesAHostFileIsNeverOpened) {
  PrivateFolder dir("template-canary", fs::temp_directory_path());
  const MachineTemplate t = make_template(dir.path(), "template-canary");
  const fs::path canary = dir.path() / "canary";
  std::ofstream(canary) << "the host's secret\n";
  const fs::path frozen = t.folder() / t.manifest().disks.at(0).saved;
  fs::permissions(frozen, fs::perms::owner_read | fs::perms::owner_write);
  const auto rebased = run_program(
      {"qemu-img", "rebase", "-u", "-F", "raw", "-b", canary.string(), frozen.string()});
  ASSERT_TRUE(rebased.ok()) << rebased.err;
  try {
    (void)MachineTemplate::open(t.folder(), t.profile());
    FAIL() << "a disk naming a host file was accepted";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("its backing file is '" + canary.string() + "', not the base " +
                                    fs::absolute(t.profile().disks.at(0).file).string()));
  }
  // The template opened before the change: its clone is refused too, before QEMU starts.
  EXPECT_THROW((void)Machine::clone(t, machine_options("template-canary-clone")), ImageError);
}

TEST(Template, AMachineWithoutASharedRamFileCannotBecomeOne) {
  auto vm = Machine::from_profile("linux-mini", machine_options("template-refused"));
  vm->wait_for_boot();
  PrivateFolder dir("template-refused");
  EXPECT_THROW((void)vm->save_template(dir.path() / "t", {}, ""), QemuError);
  EXPECT_TRUE(vm->running());
}

// A machine made a template is gone for good: what needs it running says it is a template,
// and a power-on never relaunches QEMU on the overlays the template took.
TEST(Template, AMachineMadeATemplateSaysSoToWhatNeedsItRunning) {
  PrivateFolder dir("template-state", fs::temp_directory_path());
  MachineOptions o = machine_options("template-state");
  o.template_ram = dir.path() / "ram";
  auto vm = Machine::from_profile("linux-mini", o);
  vm->wait_for_boot();
  EXPECT_EQ(vm->state(), MachineState::kRunning);
  (void)vm->save_template(dir.path() / "template", {}, "");
  EXPECT_EQ(vm->state(), MachineState::kTemplated);
  for (const auto& attempt : std::vector<std::function<void()>>{
           [&] { (void)vm->power_on(); }, [&] { (void)vm->run("true"); },
           [&] { (void)vm->snapshot("after"); }, [&] { vm->login(); }}) {
    try {
      attempt();
      ADD_FAILURE() << "a templated machine did it";
    } catch (const QemuError& e) {
      EXPECT_THAT(e.what(), HasSubstr("the machine is templated (its disks are the template's"));
    }
  }
  EXPECT_FALSE(vm->running());
  // The frozen disks are where the template put them, untouched by a relaunch.
  EXPECT_TRUE(fs::exists(dir.path() / "template" / "scratch.qcow2"));
}

TEST(Restore, ALoggedInConsoleProvesTheGuestAliveAndSshFollowsInTheBackground) {
  auto vm = test::linux_mini_without_channel(machine_options("restore-console"));
  vm->wait_for_boot();
  vm->login();
  vm->succeed("true");
  vm->snapshot("clean");
  vm->succeed("touch /root/after");
  const RestoreReport report = vm->restore("clean");
  EXPECT_EQ(report.verified_by, "console round trip");
  const auto ssh_ready = vm->ssh_ready_after_restore();
  ASSERT_TRUE(ssh_ready.has_value());
  EXPECT_GE(*ssh_ready, report.load + report.verify);
  vm->fail("test -e /root/after");
  // The console is at the prompt again: a console step works at once.
  vm->console().sendline("echo console-$((6*7))");
  vm->console().expect("console-42", 10s);
  // Something sent on the console since: a snapshot taken now does not claim a prompt, and
  // its restore is proven over SSH instead.
  vm->snapshot("busy");
  EXPECT_EQ(vm->restore("busy").verified_by, "ssh round trip");
  // A command run on the console's shell (as `console.run` does) leaves it known to wait at
  // its prompt: the next restore is proven on the console again.
  const CommandResult on_console =
      vm->execute("echo shell-$((6*7))", {ExecuteOptions::Over::kConsole, 10s, nullptr});
  EXPECT_EQ(on_console.exit_status, 0);
  EXPECT_THAT(on_console.out, HasSubstr("shell-42"));
  vm->snapshot("shell");
  EXPECT_EQ(vm->restore("shell").verified_by, "console round trip");
  const std::string log = read_file(vm->log_dir() / "machine.log");
  EXPECT_THAT(log, HasSubstr("console round trip"));
  EXPECT_THAT(log, HasSubstr("after the restore began"));
}

}  // namespace
}  // namespace hurdle
