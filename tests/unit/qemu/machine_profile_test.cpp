// Shipped profiles load and give the expected QEMU argv; malformed profiles are rejected with
// file, line and column. No QEMU is started here.
#include "qemu/machine_profile.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "core/error.hpp"
#include "qemu/qemu_command.hpp"
#include "support/paths.hpp"
#include "support/scratch_folder.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path profile(const std::string& name) {
  return test::source_dir() / "fixtures/machines" / (name + ".yaml");
}

QemuLaunch launch_for(const MachineProfile& p) {
  QemuLaunch l;
  l.console_socket = "/run/h/console.sock";
  l.qmp_socket = "/run/h/qmp.sock";
  l.channel_socket = "/run/h/channel.sock";
  l.accel = Accelerator::kTcg;
  for (const auto& d : p.disks) l.disk_files.push_back("/run/h/" + d.node_name + ".overlay.qcow2");
  for (const auto& n : p.nics)
    for (const auto& f : n.forwards) l.host_ports[f.name] = 40022;
  return l;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

TEST(MachineProfile, HurdAmd64Argv) {
  const auto p =
      load_machine_profile(profile("hurd-amd64"), {{"image", "/images/debian-hurd-amd64.qcow2"}});
  EXPECT_EQ(p.disks.at(0).file, "/images/debian-hurd-amd64.qcow2");
  EXPECT_EQ(
      joined(qemu_argv(p, launch_for(p))),
      "qemu-system-x86_64 -name hurd-amd64 -machine pc -accel tcg -m 2048 -smp 1 -rtc base=utc "
      "-display none -monitor none -parallel none -no-user-config "
      "-chardev socket,id=console0,path=/run/h/console.sock "
      "-serial chardev:console0 -chardev socket,id=qmp0,path=/run/h/qmp.sock -mon "
      "chardev=qmp0,mode=control "
      "-blockdev driver=file,node-name=hd0-file,filename=/run/h/hd0.overlay.qcow2 "
      "-blockdev driver=qcow2,node-name=hd0,file=hd0-file -device "
      "ide-hd,drive=hd0,bus=ide.0,unit=0 "
      "-netdev user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22 -device e1000,netdev=net0");
  EXPECT_EQ(p.panic_patterns.size(), 8u);
  EXPECT_EQ(p.boot_markers.front().name, "grub");
  EXPECT_EQ(p.boot_markers.back().name, "login");
  // The image is named by the lock beside the profiles' folder; a given path is used as it is.
  ASSERT_TRUE(p.image.has_value());
  EXPECT_EQ(p.image->name, "debian-hurd-amd64");
  EXPECT_EQ(p.image->lock, test::source_dir() / "fixtures/images.lock.yaml");
  EXPECT_FALSE(p.prepared_image.has_value());
}

// QEMU reads ",," as a comma inside an option list; a single one would start another option.
TEST(MachineProfile, PathsWithCommasAreDoubledInsideOptionLists) {
  auto p = load_machine_profile(profile("hurd-amd64"), {{"image", "/images/a,b.qcow2"}});
  QemuLaunch l = launch_for(p);
  l.console_socket = "/run/h,1/console.sock";
  l.disk_files = {"/run/h,1/hd0.overlay.qcow2"};
  const std::string argv = joined(qemu_argv(p, l));
  EXPECT_THAT(argv, HasSubstr("path=/run/h,,1/console.sock "));
  EXPECT_THAT(argv, HasSubstr("filename=/run/h,,1/hd0.overlay.qcow2 "));
}

// A clone's disk: its overlay on the template's frozen disk on the base, each layer named to
// QEMU (read-only, bottom first), so that QEMU never follows a name from a qcow2 header.
TEST(MachineProfile, BackingLayersAreNamedToQemuNotTakenFromHeaders) {
  auto p = load_machine_profile(profile("hurd-amd64"), {{"image", "/images/base.img"}});
  QemuLaunch l = launch_for(p);
  l.disk_backing = {{{"/cache/t/hd0.qcow2", "qcow2"}, {"/images/base.img", "raw"}}};
  EXPECT_THAT(
      joined(qemu_argv(p, l)),
      HasSubstr("-blockdev driver=file,node-name=hd0-b1-file,filename=/images/base.img,"
                "read-only=on "
                "-blockdev driver=raw,node-name=hd0-b1,file=hd0-b1-file,read-only=on "
                "-blockdev driver=file,node-name=hd0-b0-file,filename=/cache/t/hd0.qcow2,"
                "read-only=on "
                "-blockdev driver=qcow2,node-name=hd0-b0,file=hd0-b0-file,read-only=on,"
                "backing=hd0-b1 "
                "-blockdev driver=file,node-name=hd0-file,filename=/run/h/hd0.overlay.qcow2 "
                "-blockdev driver=qcow2,node-name=hd0,file=hd0-file,backing=hd0-b0 "
                "-device ide-hd,drive=hd0"));
}

TEST(MachineProfile, HurdAmd64Q35PutsTheDiskOnAhci) {
  const auto p = load_machine_profile(profile("hurd-amd64-q35"), {{"image", "/images/h.qcow2"}});
  const std::string argv = joined(qemu_argv(p, launch_for(p)));
  EXPECT_THAT(argv, HasSubstr("-machine q35 "));
  EXPECT_THAT(argv, HasSubstr("-device ich9-ahci,id=ahci0 -device ide-hd,drive=hd0,bus=ahci0.0 "));
  EXPECT_EQ(p.image->name, "debian-hurd-amd64");
}

TEST(MachineProfile, TheImageSectionIsResolvedIntoTheDisk) {
  std::vector<ImageRequest> asked;
  const ImageResolver resolver = [&](const ImageRequest& r) {
    asked.push_back(r);
    PreparedImage p;
    p.name = r.name;
    p.disk = "/cache/prepared/" + r.name + "/disk.qcow2";
    return p;
  };
  const auto p = load_machine_profile(profile("hurd-amd64"), {}, {"", resolver});
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(p.disks.at(0).file, "/cache/prepared/debian-hurd-amd64/disk.qcow2");
  ASSERT_TRUE(p.prepared_image.has_value());
  EXPECT_EQ(p.prepared_image->name, "debian-hurd-amd64");
  // A suite's image: replaces the profile's entry.
  const auto other =
      load_machine_profile(profile("hurd-amd64"), {}, {"debian-hurd-amd64-20260314", resolver});
  EXPECT_EQ(asked.back().name, "debian-hurd-amd64-20260314");
  EXPECT_EQ(other.disks.at(0).file, "/cache/prepared/debian-hurd-amd64-20260314/disk.qcow2");
  // A path given as the variable wins: nothing is resolved.
  (void)load_machine_profile(profile("hurd-amd64"), {{"image", "/my/disk.qcow2"}}, {"", resolver});
  EXPECT_EQ(asked.size(), 2u);
}

TEST(MachineProfile, HurdI386UsesTheI386Emulator) {
  const auto p = load_machine_profile(profile("hurd-i386"), {{"image", "/images/hurd-i386.qcow2"}});
  const auto argv = qemu_argv(p, launch_for(p));
  EXPECT_EQ(argv.at(0), "qemu-system-i386");
  EXPECT_THAT(joined(argv), HasSubstr("-device e1000,netdev=net0"));
  EXPECT_THAT(joined(argv), HasSubstr("ide-hd,drive=hd0"));
}

TEST(MachineProfile, TestGuestArgv) {
  const auto mach = load_machine_profile(profile("gnumach"), {});
  EXPECT_THAT(joined(qemu_argv(mach, launch_for(mach))),
              HasSubstr("gnumach/mach.iso,media=cdrom,if=ide,index=2,readonly=on -nic none"));
  const auto mini = load_machine_profile(profile("linux-mini"), {});
  const std::string argv = joined(qemu_argv(mini, launch_for(mini)));
  EXPECT_THAT(argv, HasSubstr("-device virtio-blk-pci,drive=scratch"));
  EXPECT_THAT(argv, HasSubstr("linux-mini/vmlinuz -initrd "));
  EXPECT_THAT(argv, HasSubstr("-append console=ttyS0 quiet"));
  EXPECT_THAT(argv, HasSubstr("-device virtio-net-pci,netdev=net0"));
  // Its command channel: the second serial port, on a socket hurdle holds.
  EXPECT_THAT(argv,
              HasSubstr("-serial chardev:console0 -chardev "
                        "socket,id=channel0,path=/run/h/channel.sock -serial chardev:channel0"));
  // A later port: the ones before it exist, unconnected, so that the guest numbers it so.
  MachineProfile third = mini;
  third.command_channel->serial = 3;
  EXPECT_THAT(joined(qemu_argv(third, launch_for(third))),
              HasSubstr("-serial chardev:console0 -serial null -serial null -chardev "
                        "socket,id=channel0"));
  EXPECT_EQ(joined(qemu_argv(mach, launch_for(mach))).find("channel0"), std::string::npos);
}

// Writes `text` to a temporary profile and returns the ConfigError message from loading it.
std::string load_error(const std::string& text) {
  // One file per test process: CTest runs this file's tests in parallel.
  const fs::path file = test::scratch_folder() / "bad-profile.yaml";
  std::ofstream(file) << text;
  try {
    load_machine_profile(file, {});
  } catch (const ConfigError& e) {
    return std::string(e.what()).substr(file.string().size());
  }
  return "no error";
}

TEST(MachineProfile, MalformedProfilesNameLineColumnAndExpectation) {
  const std::string boot = "boot:\n  cdrom: x.iso\n";
  EXPECT_THAT(load_error(boot + "memroy: 2G\n"), HasSubstr(":3:1: unknown key 'memroy'"));
  EXPECT_THAT(load_error(boot + "memory: lots\n"),
              HasSubstr(":3:9: expected a size such as 64K, 512M or 2G"));
  EXPECT_THAT(load_error(boot + "accel: hvf\n"),
              HasSubstr(":3:8: expected accel auto, kvm or tcg"));
  EXPECT_THAT(load_error(boot + "cpus: [1]\n"), HasSubstr(":3:7: expected a string, found a list"));
  EXPECT_THAT(load_error(boot + "panic_patterns:\n  - { name: p, pattern: '(' }\n"),
              HasSubstr(":4:25: invalid regular expression '('"));
  EXPECT_THAT(load_error(boot + "disks:\n  - file: ${image}\n"),
              HasSubstr(":4:11: unknown variable ${image}"));
  EXPECT_THAT(load_error(boot + "nics:\n  - forward: { ssh: 70000 }\n"),
              HasSubstr("expected a port from 1 to 65535"));
  EXPECT_THAT(load_error("boot:\n  cdrom: x.iso\n bad: indent\n"), HasSubstr("invalid YAML"));
  EXPECT_THAT(load_error("memory: 1G\n"), HasSubstr(":1:1: a machine needs something to boot"));
  EXPECT_THAT(load_error(boot + "timeouts:\n  boot: soon\n"),
              HasSubstr(":4:9: expected a duration"));
  EXPECT_THAT(load_error(boot + "image: { nmae: x }\n"), HasSubstr(":3:10: unknown key 'nmae'"));
  EXPECT_THAT(load_error(boot + "command_channel: { serial: 4 }\n"),
              HasSubstr("expected a serial port from 1 to 3 (0 is the console)"));
  EXPECT_THAT(load_error(boot + "command_channel: { port: 1 }\n"), HasSubstr("unknown key 'port'"));
  EXPECT_THAT(load_error(boot + "image: { name: x, prepare: [ { chmod: /x } ] }\n"),
              HasSubstr("unknown preparation step 'chmod'"));
  EXPECT_THAT(load_error(boot + "disks:\n  - { file: x.img, interface: nvme }\n"),
              HasSubstr("expected interface ide, ahci, virtio or scsi"));
  EXPECT_THAT(load_error(boot + "power_off: { halted: '(' }\n"),
              HasSubstr(":3:22: invalid regular expression '('"));
  EXPECT_THAT(load_error(boot + "power_off: { cmd: halt }\n"),
              HasSubstr(":3:14: unknown key 'cmd' in the power_off section"));
}

// How each shipped profile powers its guest off: the Hurd's `halt`, whose end is QEMU's
// SHUTDOWN or GNU Mach's halted line; the Linux guest's poweroff without an init to ask.
TEST(MachineProfile, PowerOffSectionsOfTheShippedProfiles) {
  const auto mini = load_machine_profile(profile("linux-mini"));
  EXPECT_EQ(mini.power_off.command, "poweroff -f");
  EXPECT_EQ(mini.power_off.halted_pattern, "");
  for (const char* hurd : {"hurd-amd64", "hurd-amd64-q35", "hurd-i386"}) {
    const auto p = load_machine_profile(profile(hurd), {{"image", "/images/hurd.qcow2"}});
    EXPECT_EQ(p.power_off.command, "halt") << hurd;
    EXPECT_EQ(p.power_off.halted_pattern, "Shutdown completed successfully") << hurd;
  }
  EXPECT_EQ(load_machine_profile(profile("gnumach")).power_off.command, "poweroff");
}

TEST(MachineProfile, ASuiteCannotChooseAnImageForAProfileWithoutOne) {
  try {
    (void)load_machine_profile(profile("linux-mini"), {}, {"debian-hurd-amd64", {}});
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("the profile has no image: section"));
  }
}

TEST(MachineProfile, SshSectionsOfTheShippedProfiles) {
  const auto mini = load_machine_profile(profile("linux-mini"));
  ASSERT_TRUE(mini.ssh.has_value());
  EXPECT_EQ(mini.ssh->auth, SshSpec::Auth::kNone);
  EXPECT_EQ(mini.ssh->forward, "ssh");
  EXPECT_EQ(mini.reboot_command, "reboot -f");
  for (const char* hurd : {"hurd-amd64", "hurd-i386"}) {
    const auto p = load_machine_profile(profile(hurd), {{"image", "/images/hurd.qcow2"}});
    ASSERT_TRUE(p.ssh.has_value()) << hurd;
    EXPECT_EQ(p.ssh->auth, SshSpec::Auth::kHurdleKey) << hurd;
    EXPECT_EQ(p.ssh->user, "root") << hurd;
    EXPECT_EQ(p.ssh->ready_command, "uname -s") << hurd;
    EXPECT_EQ(p.ssh->ready_output, "GNU") << hurd;
  }
  // A profile without an ssh forward has no SSH.
  EXPECT_FALSE(load_machine_profile(profile("gnumach")).ssh.has_value());
}

TEST(MachineProfile, MalformedSshSectionsAreRejectedWithTheirPlace) {
  const std::string base = "boot:\n  cdrom: x.iso\nnics:\n  - forward: { ssh: 22 }\n";
  EXPECT_THAT(load_error(base + "ssh:\n  auth: telepathy\n"),
              HasSubstr(":6:9: expected auth none, password, key, ephemeral-key or hurdle-key"));
  EXPECT_THAT(load_error(base + "ssh:\n  ready: { command: uname -s, output: '(' }\n"),
              HasSubstr(":6:39: invalid regular expression '('"));
  EXPECT_THAT(load_error(base + "ssh:\n  ready: { output: GNU }\n"),
              HasSubstr("the ssh ready check needs the key 'command'"));
  EXPECT_THAT(load_error(base + "ssh:\n  auth: key\n"),
              HasSubstr(":6:3: the ssh section needs the key 'key'"));
  EXPECT_THAT(load_error(base + "ssh:\n  forward: sshd\n"),
              HasSubstr(":6:12: expected a NIC forward named 'sshd'"));
  EXPECT_THAT(load_error(base + "ssh:\n  ready_timeout: later\n"),
              HasSubstr(":6:18: expected a duration"));
  EXPECT_THAT(load_error(base + "ssh:\n  usr: root\n"), HasSubstr(":6:3: unknown key 'usr'"));
}

// A profile written into this process's scratch folder and loaded with `variables`.
MachineProfile load_text(const std::string& text, const Variables& variables = {},
                         const ProfileImageOptions& image = {}) {
  const fs::path file = test::scratch_folder() / "multiboot-profile.yaml";
  std::ofstream(file) << text;
  return load_machine_profile(file, variables, image);
}

TEST(MachineProfile, MultibootModulesPassGnuMachsBootScriptWordsThroughUntouched) {
  const MachineProfile p = load_text(
      "boot:\n"
      "  multiboot:\n"
      "    kernel: ${dir}/gnumach.gz\n"
      "    command_line: console=com0 -s\n"
      "    modules:\n"
      "      - file: ${dir}/exec.static\n"
      "        name: exec\n"
      "        args: ['$(exec-task=task-create)']\n"
      "      - file: ${dir}/ext2fs.static\n"
      "        args:\n"
      "          - --host-priv-port=${host-port}\n"
      "          - --device-master-port=${device-port}\n"
      "          - --exec-server-task=${exec-task}\n"
      "          - '${kernel-command-line}'\n"
      "          - ${dir}\n"
      "          - $(task-create)\n"
      "          - $(task-resume)\n",
      {{"dir", "/boot"}});
  ASSERT_TRUE(p.multiboot.has_value());
  EXPECT_EQ(p.multiboot->kernel, "/boot/gnumach.gz");
  EXPECT_EQ(p.multiboot->command_line, (std::vector<std::string>{"console=com0", "-s"}));
  ASSERT_EQ(p.multiboot->modules.size(), 2u);
  EXPECT_EQ(p.multiboot->modules[0].name, "exec");
  EXPECT_EQ(p.multiboot->modules[0].words, (std::vector<std::string>{"$(exec-task=task-create)"}));
  EXPECT_EQ(p.multiboot->modules[1].words,
            (std::vector<std::string>{"--host-priv-port=${host-port}",
                                      "--device-master-port=${device-port}",
                                      "--exec-server-task=${exec-task}", "${kernel-command-line}",
                                      "/boot", "$(task-create)", "$(task-resume)"}));
  // The kernel and each module are files QEMU's medium needs: checked before a run.
  EXPECT_EQ(p.files.size(), 3u);
  EXPECT_FALSE(p.cdrom.has_value()) << "no medium is made without a maker (validation)";
}

TEST(MachineProfile, MultibootWithAMakerGetsItsMediumAsTheCdrom) {
  std::vector<std::string> made;
  ProfileImageOptions image;
  image.boot_medium = [&](const MultibootSpec& spec) {
    made.push_back(spec.kernel.string());
    return fs::path("/cache/boot-media/abc.iso");
  };
  const MachineProfile p =
      load_text("boot:\n  multiboot: { kernel: /k, modules: [ { file: /m } ] }\n", {}, image);
  EXPECT_EQ(made, std::vector<std::string>{"/k"});
  EXPECT_EQ(p.cdrom, fs::path("/cache/boot-media/abc.iso"));
  EXPECT_THAT(joined(qemu_argv(p, launch_for(p))),
              HasSubstr("file=/cache/boot-media/abc.iso,media=cdrom"));
}

TEST(MachineProfile, MultibootMistakesNameLineAndWhatWasExpected) {
  EXPECT_THAT(load_error("boot:\n  multiboot: { kernel: /k, modules: [ { file: /m, args: "
                         "['${hots-port}'] } ] }\n"),
              HasSubstr("unknown variable ${hots-port}"));
  EXPECT_THAT(load_error("boot:\n  cdrom: x.iso\n  multiboot: { kernel: /k }\n"),
              HasSubstr(":3:14: multiboot makes the boot medium itself"));
  EXPECT_THAT(load_error("boot:\n  multiboot: { modules: [] }\n"), HasSubstr("kernel"));
  EXPECT_THAT(load_error("boot:\n  multiboot: { kernel: /k, modules: [ { file: /m, argv: [] } "
                         "] }\n"),
              HasSubstr("unknown key 'argv'"));
}

TEST(MachineProfile, AValueTheCallerGivesReplacesTheProfilesDefault) {
  const MachineProfile mine = load_machine_profile(
      profile("mach-probe"), {{"guest_dir", "/g"}, {"kernel", "/home/me/gnumach/gnumach"}});
  EXPECT_EQ(mine.multiboot->kernel, "/home/me/gnumach/gnumach");
  EXPECT_EQ(mine.multiboot->modules.at(0).file, "/g/mach-probe/mach-probe");
  const MachineProfile debian = load_machine_profile(profile("mach-probe"), {{"guest_dir", "/g"}});
  EXPECT_EQ(debian.multiboot->kernel, "/g/mach-probe/gnumach");
}

TEST(MachineProfile, ConsoleCommandsAndALoginThatIsNotNeeded) {
  const MachineProfile probe = load_machine_profile(profile("mach-probe"), {{"guest_dir", "/g"}});
  EXPECT_FALSE(probe.login.required);
  EXPECT_EQ(probe.console_commands.status, ConsoleCommandsSpec::Status::kLastLine);
  EXPECT_EQ(probe.console_commands.ok, "ok");
  ASSERT_TRUE(probe.multiboot.has_value());
  EXPECT_EQ(probe.multiboot->modules.at(0).words.size(), 4u);
  const MachineProfile shell = load_machine_profile(profile("linux-mini"), {{"guest_dir", "/g"}});
  EXPECT_TRUE(shell.login.required);
  EXPECT_EQ(shell.console_commands.status, ConsoleCommandsSpec::Status::kShell);

  const std::string boot = "boot:\n  cdrom: x.iso\n";
  EXPECT_THAT(load_error(boot + "console_commands: { status: exit-code }\n"),
              HasSubstr(":3:29: expected status shell or last-line, found 'exit-code'"));
  EXPECT_THAT(load_error(boot + "console_commands: { ok: done }\n"),
              HasSubstr("ok is a pattern of status: last-line"));
  EXPECT_THAT(load_error(boot + "console_commands: { status: last-line, error: '(' }\n"),
              HasSubstr("invalid regular expression"));
  EXPECT_THAT(load_error(boot + "login: { required: maybe }\n"),
              HasSubstr(":3:20: expected true or false"));
}

}  // namespace
}  // namespace hurdle

namespace hurdle {
namespace {

// A profile that is not found: every folder looked in (HURDLE_PROFILE_PATH's marked, a missing
// one said), the profiles that exist there, and how to name another.
TEST(MachineProfile, AProfileNotFoundNamesEveryFolderAndWhatIsThere) {
  const fs::path dir = test::scratch_folder() / "profiles-here";
  fs::create_directories(dir);
  std::ofstream(dir / "hurd-arm.yaml") << "name: hurd-arm\n";
  std::ofstream(dir / "linux-tiny.yaml") << "name: linux-tiny\n";
  std::ofstream(dir / "notes.txt") << "not a profile\n";
  const fs::path missing = test::scratch_folder() / "no-such-folder";
  ::setenv("HURDLE_PROFILE_PATH", (dir.string() + ":" + missing.string()).c_str(), 1);
  std::string error;
  try {
    (void)find_machine_profile("hurd-amd65", profile_search_path({}));
  } catch (const ConfigError& e) {
    error = e.what();
  }
  ::unsetenv("HURDLE_PROFILE_PATH");
  EXPECT_THAT(error, HasSubstr("no machine profile named 'hurd-amd65'"));
  EXPECT_THAT(error, HasSubstr("\n  " + dir.string() + " (HURDLE_PROFILE_PATH)\n"));
  EXPECT_THAT(error,
              HasSubstr("\n  " + missing.string() + " (HURDLE_PROFILE_PATH) (no such folder)"));
  EXPECT_THAT(error, HasSubstr("profiles there: "));
  EXPECT_THAT(error, HasSubstr("hurd-arm, "));
  EXPECT_THAT(error, HasSubstr("linux-tiny"));
  EXPECT_THAT(error, ::testing::Not(HasSubstr("notes")));
  EXPECT_THAT(error, HasSubstr("hurdle exec --machine PATH"));
}

}  // namespace
}  // namespace hurdle
