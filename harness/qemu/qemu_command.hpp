// Builds QEMU's argument vector from a machine profile plus what a run decided (sockets, logs,
// accelerator, disk files, host ports). Pure: the same inputs always give the same argv, which
// tests assert for every shipped profile.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qemu/machine_profile.hpp"

namespace hurdle {

// Where a guest on the user network that hurdle builds reaches the host: QEMU takes its
// connections to this address to the host's 127.0.0.1 (the netdevs leave `host=` as it is).
inline constexpr const char* kGuestSideHostAddress = "10.0.2.2";

// Guest RAM in a file instead of anonymous memory. `shared`: the guest writes the file (a
// machine that will become a template); else QEMU maps it privately, copy-on-write (a clone of
// that template: the file is never written, and pages it does not touch cost no memory). An
// empty path: anonymous memory, but named as the file's would be (a resumed clone: QEMU only
// loads a saved state into RAM of the same name).
struct RamFile {
  std::filesystem::path path;
  bool shared = false;
};

// A file under a disk's top file, named to QEMU explicitly: QEMU then never follows the
// backing file name a qcow2 header carries (a template pack's disk is outside input).
struct DiskLayer {
  std::filesystem::path file;
  std::string format;
};

struct QemuLaunch {
  std::filesystem::path console_socket;           // hurdle listens; QEMU connects as a client
  std::filesystem::path qmp_socket;               // likewise
  std::filesystem::path channel_socket;           // likewise, when the profile has a channel
  Accelerator accel = Accelerator::kTcg;          // resolved: kvm or tcg
  std::vector<std::filesystem::path> disk_files;  // per profile disk: the file QEMU opens
  // Per profile disk, the files under it, top first (the last one opens as its own header
  // says: the base, this host's). Empty, or shorter than disk_files: none given.
  std::vector<std::vector<DiskLayer>> disk_backing;
  std::map<std::string, std::uint16_t> host_ports;  // forward name -> port on 127.0.0.1
  std::optional<RamFile> ram;                       // unset: anonymous memory
  std::vector<std::string> extra_args;              // appended last (e.g. -incoming)
};

// argv[0] is the profile's QEMU binary (looked up in PATH when started).
std::vector<std::string> qemu_argv(const MachineProfile& profile, const QemuLaunch& launch);

}  // namespace hurdle
