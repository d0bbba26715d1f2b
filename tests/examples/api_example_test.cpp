// The example of docs/api.md, compiled and run as a test so that the documentation stays true.
#include <gtest/gtest.h>
#include <hurdle/hurdle.hpp>

using namespace std::chrono_literals;

TEST(ApiExample, SnapshotRunRestore) {
  auto vm = hurdle::Machine::from_profile("linux-mini");  // fixtures/machines/linux-mini.yaml
  vm->wait_for_boot();                                    // its boot markers, in order
  EXPECT_EQ(vm->succeed("uname -s"), "Linux\n");          // throws on a non-zero status

  // Commands go over the profile's command channel (linux-mini has one), else SSH.
  vm->snapshot("clean");
  vm->succeed("echo hello > /root/greeting");
  vm->put("/etc/hostname", "/root/host-name");  // files keep their mode
  EXPECT_EQ(vm->fail("grep -q nothing /root/greeting").exit_status, 1);

  const hurdle::RestoreReport back = vm->restore("clean");  // RAM, devices and disks
  EXPECT_EQ(back.verified_by, "channel round trip");
  vm->fail("test -e /root/greeting");

  vm->console().sendline("");  // the serial console, expect-style
  vm->console().expect("login: ", 30s);
}  // the machine powers off (or is killed) here; its logs stay in vm->log_dir()
