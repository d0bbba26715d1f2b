#include "qemu/qemu_command.hpp"

#include "core/error.hpp"

namespace hurdle {

namespace {

// A value inside a QEMU option list (key=value,key=value): QEMU reads ",," as one comma, so a
// path with a comma in it must say so, or its tail is read as another option.
std::string option_value(const std::filesystem::path& path) {
  std::string out;
  for (const char c : path.string()) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

std::string device_for(const DiskSpec& disk, std::size_t ide_index, std::size_t ahci_index) {
  if (disk.interface == "ide") {
    return "ide-hd,drive=" + disk.node_name + ",bus=ide." + std::to_string(ide_index / 2) +
           ",unit=" + std::to_string(ide_index % 2);
  }
  // One port per disk on hurdle's own AHCI controller (the same on pc and q35 machines).
  if (disk.interface == "ahci")
    return "ide-hd,drive=" + disk.node_name + ",bus=ahci0." + std::to_string(ahci_index);
  if (disk.interface == "virtio") return "virtio-blk-pci,drive=" + disk.node_name;
  return "scsi-hd,drive=" + disk.node_name;
}

using Argv = std::vector<std::string>;

void add(Argv& a, std::initializer_list<std::string> args) { a.insert(a.end(), args); }

// The guest's RAM as a memory backend of its own: anonymous, or a file (shared for a
// template, private for a clone).
void add_ram(Argv& a, const MachineProfile& p, const QemuLaunch& launch) {
  if (!launch.ram) return;
  const std::string size = "size=" + std::to_string(p.memory_mib) + "M";
  if (launch.ram->path.empty()) {
    add(a, {"-object", "memory-backend-ram,id=hurdle-ram," + size});
    return;
  }
  add(a, {"-object", "memory-backend-file,id=hurdle-ram," + size +
                         ",mem-path=" + option_value(launch.ram->path) +
                         ",share=" + (launch.ram->shared ? "on" : "off")});
}

// The layers under disk `d`, bottom first, each read-only and on the one below it: NODE-b0 is
// the top's backing, NODE-bN the base. Returns the node the top is on (empty: none given).
std::string add_backing(Argv& a, const DiskSpec& d, const std::vector<DiskLayer>& layers) {
  for (std::size_t j = layers.size(); j-- > 0;) {
    const std::string node = d.node_name + "-b" + std::to_string(j);
    add(a, {"-blockdev", "driver=file,node-name=" + node +
                             "-file,filename=" + option_value(layers[j].file) + ",read-only=on"});
    add(a, {"-blockdev",
            "driver=" + layers[j].format + ",node-name=" + node + ",file=" + node +
                "-file,read-only=on" +
                (j + 1 < layers.size() ? ",backing=" + d.node_name + "-b" + std::to_string(j + 1)
                                       : "")});
  }
  return layers.empty() ? "" : d.node_name + "-b0";
}

// Each disk as two block nodes (its file, its format) and a device on its interface; then
// the CD-ROM.
void add_disks(Argv& a, const MachineProfile& p, const QemuLaunch& launch) {
  std::size_t ide_index = 0;
  std::size_t ahci_index = 0;
  bool scsi = false;
  for (std::size_t i = 0; i < p.disks.size(); ++i) {
    const DiskSpec& d = p.disks[i];
    const bool read_only = d.mode == DiskSpec::Mode::kReadOnly;
    const std::string format = d.mode == DiskSpec::Mode::kOverlay ? "qcow2" : d.format;
    const std::string cache =
        (d.cache == "none" || d.cache == "directsync") ? "cache.direct=on" : "";
    const std::string backing = add_backing(
        a, d, i < launch.disk_backing.size() ? launch.disk_backing[i] : std::vector<DiskLayer>{});
    add(a,
        {"-blockdev", "driver=file,node-name=" + d.node_name +
                          "-file,filename=" + option_value(launch.disk_files[i]) +
                          (read_only ? ",read-only=on" : "") + (cache.empty() ? "" : "," + cache)});
    add(a, {"-blockdev", "driver=" + format + ",node-name=" + d.node_name + ",file=" + d.node_name +
                             "-file" + (read_only ? ",read-only=on" : "") +
                             (d.cache == "unsafe" ? ",cache.no-flush=on" : "") +
                             (backing.empty() ? "" : ",backing=" + backing)});
    if (d.interface == "scsi" && !scsi) {
      add(a, {"-device", "virtio-scsi-pci,id=scsi0"});
      scsi = true;
    }
    if (d.interface == "ahci" && ahci_index == 0) add(a, {"-device", "ich9-ahci,id=ahci0"});
    add(a, {"-device", device_for(d, ide_index, ahci_index)});
    if (d.interface == "ide") ++ide_index;
    if (d.interface == "ahci") ++ahci_index;
  }
  if (p.cdrom) {
    add(a, {"-drive", "file=" + option_value(*p.cdrom) + ",media=cdrom,if=ide,index=" +
                          std::to_string(std::max<std::size_t>(ide_index, 2)) + ",readonly=on"});
  }
}

// User-mode network cards, each forward on 127.0.0.1 at the port chosen for it; none at all
// when the profile has none.
void add_nics(Argv& a, const MachineProfile& p, const QemuLaunch& launch) {
  if (p.nics.empty()) add(a, {"-nic", "none"});
  for (std::size_t i = 0; i < p.nics.size(); ++i) {
    const NicSpec& n = p.nics[i];
    const std::string id = "net" + std::to_string(i);
    std::string netdev = "user,id=" + id;
    for (const auto& f : n.forwards) {
      const auto port = launch.host_ports.find(f.name);
      if (port == launch.host_ports.end())
        throw QemuError("internal: no host port chosen for forward '" + f.name + "'");
      netdev += ",hostfwd=tcp:127.0.0.1:" + std::to_string(port->second) +
                "-:" + std::to_string(f.guest_port);
    }
    add(a, {"-netdev", netdev, "-device", n.model + ",netdev=" + id});
  }
}

}  // namespace

std::vector<std::string> qemu_argv(const MachineProfile& p, const QemuLaunch& launch) {
  if (launch.accel == Accelerator::kAuto)
    throw QemuError("internal: the accelerator must be resolved before building argv");
  if (launch.disk_files.size() != p.disks.size())
    throw QemuError("internal: one file per disk is needed");

  const std::string machine = launch.ram ? p.machine + ",memory-backend=hurdle-ram" : p.machine;
  Argv a = {p.qemu, "-name", p.name, "-machine", machine, "-accel", to_string(launch.accel)};
  if (!p.cpu.empty()) add(a, {"-cpu", p.cpu});
  add(a, {"-m", std::to_string(p.memory_mib), "-smp", std::to_string(p.cpus)});
  add_ram(a, p, launch);
  if (!p.rtc.empty()) add(a, {"-rtc", p.rtc});
  add(a, {"-display", "none", "-monitor", "none", "-parallel", "none", "-no-user-config"});
  // Serial console and QMP: UNIX sockets on which hurdle listens, so nothing is lost before
  // hurdle reads. hurdle logs the console itself (console.log), with secrets masked.
  add(a, {"-chardev", "socket,id=console0,path=" + option_value(launch.console_socket), "-serial",
          "chardev:console0"});
  if (p.command_channel) {
    // The ports before it exist, unconnected, so that the guest numbers it as the profile says.
    for (int port = 1; port < p.command_channel->serial; ++port) add(a, {"-serial", "null"});
    add(a, {"-chardev", "socket,id=channel0,path=" + option_value(launch.channel_socket), "-serial",
            "chardev:channel0"});
  }
  add(a, {"-chardev", "socket,id=qmp0,path=" + option_value(launch.qmp_socket), "-mon",
          "chardev=qmp0,mode=control"});
  add_disks(a, p, launch);
  if (p.kernel) {
    add(a, {"-kernel", p.kernel->string()});
    if (p.initrd) add(a, {"-initrd", p.initrd->string()});
    if (!p.append.empty()) add(a, {"-append", p.append});
  }
  add_nics(a, p, launch);
  a.insert(a.end(), p.extra_args.begin(), p.extra_args.end());
  a.insert(a.end(), launch.extra_args.begin(), launch.extra_args.end());
  return a;
}

}  // namespace hurdle
