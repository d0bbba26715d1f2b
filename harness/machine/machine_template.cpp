#include "machine/machine_template.hpp"

#include <algorithm>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "qemu/disk_overlay.hpp"

namespace hurdle {

namespace fs = std::filesystem;

std::optional<std::string> clone_obstacle(const MachineProfile& profile) {
  for (const auto& d : profile.disks) {
    if (d.mode == DiskSpec::Mode::kDirect)
      return "its disk '" + d.node_name +
             "' is written in place (mode: direct), and clones would "
             "share it";
  }
  for (const auto& arg : profile.extra_args) {
    for (const char* ram : {"memory-backend", "-mem-path", "-mem-prealloc", "-numa"}) {
      if (arg.find(ram) != std::string::npos)
        return "its profile's own QEMU arguments place the RAM ('" + arg + "')";
    }
  }
  if (profile.machine.find("memory-backend") != std::string::npos)
    return "its profile's machine option places the RAM ('" + profile.machine + "')";
  return std::nullopt;
}

MachineTemplate MachineTemplate::open(const fs::path& folder, MachineProfile profile) {
  MachineTemplate t;
  t.folder_ = fs::absolute(folder);
  try {
    t.manifest_ = SavedMachine::read(t.folder_);
  } catch (const ConfigError& e) {
    throw ImageError("the machine template in " + t.folder_.string() +
                     " is unreadable: " + e.what());
  }
  const auto damaged = [&](const std::string& what) {
    return ImageError("the machine template in " + t.folder_.string() + " is damaged: " + what);
  };
  const SavedMachine& m = t.manifest_;
  if (m.ram.empty()) throw damaged("its manifest names no RAM file (a saved machine?)");
  std::error_code ec;
  const auto ram_size = fs::file_size(m.ram, ec);
  const std::uintmax_t expected = static_cast<std::uintmax_t>(profile.memory_mib) << 20;
  if (ec) throw damaged("its RAM file " + m.ram.string() + " is gone (" + ec.message() + ")");
  if (ram_size != expected)
    throw damaged("its RAM file " + m.ram.string() + " has " + std::to_string(ram_size) +
                  " bytes, not the " + std::to_string(expected) + " of the machine's memory");
  const fs::path state = t.folder_ / m.state;
  if (!fs::is_regular_file(state, ec)) throw damaged("its state " + state.string() + " is gone");
  if (const std::string sha = file_digest(state, DigestAlgorithm::kSha256).hex;
      sha != m.state_sha256)
    throw damaged("its state " + state.string() + " has sha256 " + sha + ", not the saved " +
                  m.state_sha256);
  for (const auto& d : m.disks) {
    if (!fs::is_regular_file(t.folder_ / d.saved, ec))
      throw damaged("its disk " + (t.folder_ / d.saved).string() + " is gone");
    // Its header may come from a pack: it must name this host's base and nothing else.
    const auto spec = std::find_if(profile.disks.begin(), profile.disks.end(),
                                   [&](const DiskSpec& s) { return s.node_name == d.node_name; });
    if (spec == profile.disks.end())
      throw damaged("its disk " + d.node_name + " is not a disk of profile " + profile.name);
    try {
      (void)check_overlay_confined(t.folder_ / d.saved,
                                   DiskLayer{fs::absolute(spec->file), spec->format});
    } catch (const ImageError& e) {
      throw damaged(e.what());
    }
  }
  t.profile_ = std::move(profile);
  return t;
}

}  // namespace hurdle
