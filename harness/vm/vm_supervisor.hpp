// The process that owns one detached VM: `hurdle vm serve NAME`, which `hurdle vm start` runs
// in a session of its own. It claims the instance folder (a name in use is refused), starts
// the Machine, lets the guest boot and logs in (console and SSH, as a run would), says how
// that went on the ready descriptor, and answers the control socket (vm/control_channel.hpp)
// until QEMU ends, a client asks it to quit, or SIGTERM/SIGINT comes. QEMU never outlives it
// (QemuProcess: PR_SET_PDEATHSIG). On its way out the instance folder goes; the machine's
// logs stay where the record said.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "machine/image_resolver.hpp"
#include "qemu/accelerator.hpp"

namespace hurdle {

struct SupervisorOptions {
  std::string name;
  std::string profile;  // a name or a path, found as `hurdle run` finds profiles
  std::string image;    // an image lock entry instead of the profile's own
  std::optional<Accelerator> accel;
  bool debug = false;  // QEMU's guest-error log (qemu-debug.log beside the others)
  bool gdb = false;    // QEMU's GDB stub on a port of 127.0.0.1
  bool vnc = false;    // a VNC display on 127.0.0.1
  // Log in on the serial console after the boot (unset: when the profile has SSH, whose key
  // may need the console).
  std::optional<bool> login;
  bool wait_for_boot = true;      // false: ready as soon as QEMU runs; the boot goes on
  std::filesystem::path log_dir;  // empty: USER_CACHE/vm-logs/NAME/STAMP
  int ready_fd = -1;              // gets one JSON line: the record, or the error; then closed
  // A saved machine (SavedMachine) to start instead of booting the profile: `vm start --from`
  // a failed-state folder, or what `hurdle exec --leave-running` saved. It runs from where it
  // was saved (no boot, no login); `profile` and `image` come from it.
  std::filesystem::path resume;
  bool remove_resumed = false;  // the folder is the VM's own: removed when the VM ends
  ImageSettings images;
};

// Runs the supervisor to its end; its exit status: 0 after a quit, a power-down or a signal,
// 1 when the machine could not start or boot, 2 when the name is in use or the options are bad.
int serve_vm(const SupervisorOptions& options);

}  // namespace hurdle
