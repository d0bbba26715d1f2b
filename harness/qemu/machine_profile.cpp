#include "qemu/machine_profile.hpp"

#include <re2/re2.h>

#include <cstdlib>
#include <set>
#include <sstream>

#include "config/yaml_reader.hpp"
#include "core/guest_directory.hpp"
#include "core/install_paths.hpp"
#include "core/name_rules.hpp"

namespace hurdle {

namespace {

namespace fs = std::filesystem;

struct Context {
  fs::path file;
  const Variables& variables;

  std::string text(const YAML::Node& node) const {
    return expand_variables(as_string(node, file), variables, location_of(node, file));
  }
  fs::path path(const YAML::Node& node) const {
    fs::path p = text(node);
    return p.is_absolute() ? p : (file.parent_path() / p).lexically_normal();
  }
  // A path QEMU will open, noted in `files` for check_machine_files().
  fs::path file_for_qemu(const YAML::Node& node, const char* what,
                         std::vector<MachineProfile::FileReference>& files) const {
    fs::path p = path(node);
    files.push_back({what, p, location_of(node, file)});
    return p;
  }
};

void check_name(const YAML::Node& node, const std::string& value, const fs::path& file,
                const std::string& what) {
  if (value.empty()) fail_at(node, file, what + " must not be empty");
  if (!valid_name(value))
    fail_at(node, file,
            "expected " + what + " of letters, digits, '-' and '_' (at most " +
                std::to_string(kMaxNameLength) + ", not starting with '-'), found '" + value + "'");
}

std::vector<NamedPattern> read_patterns(const YAML::Node& node, const fs::path& file,
                                        const std::string& what) {
  std::vector<NamedPattern> out;
  if (!node || node.IsNull()) return out;  // absent (MappingReader::get gives a null node)
  if (!node.IsSequence()) fail_at(node, file, "expected a list of {name, pattern} for " + what);
  for (const auto& item : node) {
    MappingReader m(item, file, what + " entry");
    NamedPattern p{m.string("name"), as_string(m.require("pattern"), file)};
    if (p.name.empty()) p.name = p.pattern;
    check_regex(m.require("pattern"), p.pattern, file);
    m.finish();
    out.push_back(std::move(p));
  }
  return out;
}

DiskSpec read_disk(const YAML::Node& node, const Context& ctx, std::size_t index,
                   std::vector<MachineProfile::FileReference>& files) {
  MappingReader m(node, ctx.file, "a disk");
  DiskSpec d;
  d.node_name = m.string("name", "disk" + std::to_string(index));
  check_name(m.has("name") ? m.get("name") : node, d.node_name, ctx.file, "a disk name");
  d.file = ctx.file_for_qemu(m.require("file"), "disk file", files);
  d.format = m.string("format", d.format);
  if (d.format != "qcow2" && d.format != "raw")
    fail_at(m.get("format"), ctx.file, "expected format qcow2 or raw, found '" + d.format + "'");
  d.interface = m.string("interface", d.interface);
  if (d.interface != "ide" && d.interface != "ahci" && d.interface != "virtio" &&
      d.interface != "scsi") {
    fail_at(m.get("interface"), ctx.file,
            "expected interface ide, ahci, virtio or scsi, found '" + d.interface + "'");
  }
  d.cache = m.string("cache", d.cache);
  if (d.cache != "writeback" && d.cache != "none" && d.cache != "writethrough" &&
      d.cache != "unsafe" && d.cache != "directsync") {
    fail_at(m.get("cache"), ctx.file,
            "expected cache writeback, writethrough, none, unsafe or directsync, found '" +
                d.cache + "'");
  }
  const std::string mode = m.string("mode", "overlay");
  if (mode == "overlay")
    d.mode = DiskSpec::Mode::kOverlay;
  else if (mode == "read-only")
    d.mode = DiskSpec::Mode::kReadOnly;
  else if (mode == "direct")
    d.mode = DiskSpec::Mode::kDirect;
  else
    fail_at(m.get("mode"), ctx.file,
            "expected mode overlay, read-only or direct, found '" + mode + "'");
  m.finish();
  return d;
}

NicSpec read_nic(const YAML::Node& node, const Context& ctx) {
  MappingReader m(node, ctx.file, "a network card");
  NicSpec n;
  n.model = m.string("model", n.model);
  if (const YAML::Node fw = m.get("forward"); fw && !fw.IsNull()) {
    MappingReader f(fw, ctx.file, "a port forward table (name: guest port)");
    for (const auto& entry : fw) {
      const std::string name = entry.first.Scalar();
      (void)f.has(name);
      const std::int64_t port = as_integer(entry.second, ctx.file);
      if (port < 1 || port > 65535)
        fail_at(entry.second, ctx.file,
                "expected a port from 1 to 65535, found " + std::to_string(port));
      n.forwards.push_back({name, static_cast<std::uint16_t>(port)});
    }
  }
  m.finish();
  return n;
}

}  // namespace

std::optional<Accelerator> accelerator_named(const std::string& text) {
  if (text == "auto") return Accelerator::kAuto;
  if (text == "kvm") return Accelerator::kKvm;
  if (text == "tcg") return Accelerator::kTcg;
  return std::nullopt;
}

std::string to_string(Accelerator accel) {
  switch (accel) {
    case Accelerator::kKvm:
      return "kvm";
    case Accelerator::kTcg:
      return "tcg";
    case Accelerator::kAuto:
      break;
  }
  return "auto";
}

namespace {

std::optional<SshSpec> read_ssh(const YAML::Node& node, const Context& ctx,
                                const MachineProfile& p) {
  const auto forwarded = [&](const std::string& name) {
    for (const auto& nic : p.nics)
      for (const auto& f : nic.forwards)
        if (f.name == name) return true;
    return false;
  };
  SshSpec ssh;
  ssh.user = p.login.user;
  ssh.password = p.login.password;
  if (!node || node.IsNull()) {
    if (!forwarded("ssh")) return std::nullopt;
    return ssh;
  }
  MappingReader s(node, ctx.file, "the ssh section");
  ssh.forward = s.string("forward", ssh.forward);
  if (!forwarded(ssh.forward)) {
    fail_at(s.has("forward") ? s.get("forward") : node, ctx.file,
            "expected a NIC forward named '" + ssh.forward + "' for SSH (nics: forward:)");
  }
  ssh.user = s.string("user", ssh.user);
  const std::string auth = s.string("auth", "password");
  if (auth == "none") {
    ssh.auth = SshSpec::Auth::kNone;
  } else if (auth == "password") {
    ssh.auth = SshSpec::Auth::kPassword;
  } else if (auth == "key") {
    ssh.auth = SshSpec::Auth::kKey;
  } else if (auth == "ephemeral-key") {
    ssh.auth = SshSpec::Auth::kEphemeralKey;
  } else if (auth == "hurdle-key") {
    ssh.auth = SshSpec::Auth::kHurdleKey;
  } else {
    fail_at(s.get("auth"), ctx.file,
            "expected auth none, password, key, ephemeral-key or hurdle-key, found '" + auth + "'");
  }
  if (const YAML::Node ready = s.get("ready"); ready && !ready.IsNull()) {
    MappingReader r(ready, ctx.file, "the ssh ready check");
    ssh.ready_command = ctx.text(r.require("command"));
    if (r.has("output")) {
      ssh.ready_output = as_string(r.get("output"), ctx.file);
      check_regex(r.get("output"), ssh.ready_output, ctx.file);
    }
    r.finish();
  }
  if (s.has("password")) ssh.password = ctx.text(s.get("password"));
  if (ssh.auth == SshSpec::Auth::kKey) ssh.key = ctx.path(s.require("key"));
  if (s.has("ready_timeout")) ssh.ready_timeout = as_duration(s.get("ready_timeout"), ctx.file);
  s.finish();
  return ssh;
}

ImageRequest read_image_request(const YAML::Node& node, const fs::path& file) {
  ImageRequest r;
  r.where = location_of(node, file);
  r.lock = fs::absolute(file).parent_path().parent_path() / "images.lock.yaml";
  if (node.IsScalar()) {
    r.name = as_string(node, file);
  } else {
    MappingReader m(node, file, "the image section");
    for (const char* key : {"name", "lock", "prepare"}) (void)m.has(key);
    m.finish();  // a misspelt key first: it is the likeliest cause of anything else
    r.name = as_string(m.require("name"), file);
    if (m.has("lock")) {
      const fs::path lock = as_string(m.get("lock"), file);
      r.lock = lock.is_absolute() ? lock : (file.parent_path() / lock).lexically_normal();
    }
    if (const YAML::Node steps = m.get("prepare"); steps && !steps.IsNull()) {
      if (!steps.IsSequence()) fail_at(steps, file, "expected prepare as a list of steps");
      for (const auto& step : steps) r.prepare.push_back(read_prepare_step(step, file, ""));
    }
  }
  if (r.name.empty()) fail_at(node, file, "expected the name of an image in the image lock");
  return r;
}

}  // namespace

namespace {

// The board: name, description, QEMU binary, machine, CPU, memory, CPUs, accelerator, clock.
void read_board(MappingReader& m, const YAML::Node& root, const Context& ctx, MachineProfile& p) {
  const fs::path& file = ctx.file;
  p.name = m.string("name", file.stem().string());
  check_name(m.has("name") ? m.get("name") : root, p.name, file, "a machine name");
  p.description = m.string("description");
  if (m.has("qemu")) p.qemu = ctx.text(m.get("qemu"));
  p.machine = m.string("machine", p.machine);
  p.cpu = m.string("cpu");
  if (m.has("memory")) p.memory_mib = as_mebibytes(m.get("memory"), file);
  if (p.memory_mib < 16)
    fail_at(m.has("memory") ? m.get("memory") : root, file, "expected at least 16M of memory");
  if (m.has("cpus")) {
    const auto n = as_integer(m.get("cpus"), file);
    if (n < 1 || n > 64) fail_at(m.get("cpus"), file, "expected cpus from 1 to 64");
    p.cpus = static_cast<unsigned>(n);
  }
  const std::string accel = m.string("accel", "auto");
  const auto named = accelerator_named(accel);
  if (!named)
    fail_at(m.get("accel"), file, "expected accel auto, kvm or tcg, found '" + accel + "'");
  p.accel = *named;
  p.rtc = m.string("rtc");
}

// Words of a kernel command line or a module's arguments: a list, or a string split at spaces.
std::vector<std::string> read_words(const YAML::Node& node, const fs::path& file) {
  if (node.IsSequence()) return as_string_list(node, file);
  std::vector<std::string> words;
  std::istringstream in(as_string(node, file));
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// GNU Mach's boot-script variables, which a module's words pass to the kernel untouched: its
// own, and those a `$(NAME=task-create)` of any module defines.
Variables with_boot_script_names(const Variables& vars, const YAML::Node& modules,
                                 const fs::path& file) {
  Variables out = vars;
  for (const char* name : {"host-port", "device-port", "kernel-command-line"})
    out[name] = std::string("${") + name + "}";
  static const RE2 kDefined(R"(\$\(([A-Za-z0-9_-]+)=)");
  for (const auto& m : modules) {
    if (!m.IsMap() || !m["args"]) continue;
    for (const auto& word : read_words(m["args"], file)) {
      re2::StringPiece rest(word);
      std::string name;
      while (RE2::FindAndConsume(&rest, kDefined, &name)) out[name] = "${" + name + "}";
    }
  }
  return out;
}

// `multiboot:`: a kernel, its command line and its modules, each with its words.
MultibootSpec read_multiboot(const YAML::Node& node, const Context& ctx, MachineProfile& p) {
  MappingReader mb(node, ctx.file, "the multiboot section");
  MultibootSpec spec;
  spec.where = location_of(node, ctx.file);
  spec.kernel = ctx.file_for_qemu(mb.require("kernel"), "multiboot kernel", p.files);
  if (mb.has("command_line"))
    for (const auto& w : read_words(mb.get("command_line"), ctx.file))
      spec.command_line.push_back(
          expand_variables(w, ctx.variables, location_of(mb.get("command_line"), ctx.file)));
  if (const YAML::Node modules = mb.get("modules"); modules && !modules.IsNull()) {
    if (!modules.IsSequence()) fail_at(modules, ctx.file, "expected a list of modules");
    const Variables boot_script = with_boot_script_names(ctx.variables, modules, ctx.file);
    for (const auto& item : modules) {
      MappingReader m(item, ctx.file, "a multiboot module");
      MultibootModule module;
      module.where = location_of(item, ctx.file);
      module.file = ctx.file_for_qemu(m.require("file"), "multiboot module", p.files);
      if (m.has("name")) module.name = ctx.text(m.get("name"));
      if (m.has("args"))
        for (const auto& w : read_words(m.get("args"), ctx.file))
          module.words.push_back(
              expand_variables(w, boot_script, location_of(m.get("args"), ctx.file)));
      m.finish();
      spec.modules.push_back(std::move(module));
    }
  }
  mb.finish();
  return spec;
}

// `boot:`: a CD-ROM, a kernel with its initrd and command line, or a multiboot kernel with its
// modules.
void read_boot(const YAML::Node& boot, const Context& ctx, MachineProfile& p) {
  MappingReader b(boot, ctx.file, "the boot section");
  if (b.has("multiboot")) {
    if (b.has("cdrom") || b.has("kernel"))
      fail_at(b.get("multiboot"), ctx.file,
              "multiboot makes the boot medium itself: give it without cdrom and kernel");
    p.multiboot = read_multiboot(b.get("multiboot"), ctx, p);
  }
  if (b.has("cdrom")) p.cdrom = ctx.file_for_qemu(b.get("cdrom"), "cdrom image", p.files);
  if (b.has("kernel")) p.kernel = ctx.file_for_qemu(b.get("kernel"), "kernel", p.files);
  if (b.has("initrd")) p.initrd = ctx.file_for_qemu(b.get("initrd"), "initrd", p.files);
  if (b.has("append")) p.append = ctx.text(b.get("append"));
  if ((p.initrd || !p.append.empty()) && !p.kernel)
    fail_at(boot, ctx.file, "initrd and append need a kernel");
  b.finish();
}

// `login:`: the console's user, password and the three prompts (RE2 patterns).
void read_login(const YAML::Node& login, const fs::path& file, MachineProfile& p) {
  MappingReader l(login, file, "the login section");
  if (l.has("required")) p.login.required = as_bool(l.get("required"), file);
  p.login.user = l.string("user", p.login.user);
  p.login.password = l.string("password", p.login.password);
  for (auto [key, field] : {std::pair{"login_prompt", &p.login.login_prompt},
                            std::pair{"password_prompt", &p.login.password_prompt},
                            std::pair{"shell_prompt", &p.login.shell_prompt}}) {
    if (l.has(key)) {
      *field = as_string(l.get(key), file);
      check_regex(l.get(key), *field, file);
    }
  }
  l.finish();
}

// `console_commands:`: how a console command's status is read.
void read_console_commands(const YAML::Node& node, const fs::path& file, MachineProfile& p) {
  MappingReader c(node, file, "the console_commands section");
  auto& spec = p.console_commands;
  const std::string status = c.string("status", "shell");
  if (status == "last-line")
    spec.status = ConsoleCommandsSpec::Status::kLastLine;
  else if (status != "shell")
    fail_at(c.get("status"), file, "expected status shell or last-line, found '" + status + "'");
  for (auto [key, field] : {std::pair{"ok", &spec.ok}, std::pair{"error", &spec.error}}) {
    if (!c.has(key)) continue;
    if (spec.status != ConsoleCommandsSpec::Status::kLastLine)
      fail_at(c.get(key), file, std::string(key) + " is a pattern of status: last-line");
    *field = as_string(c.get(key), file);
    check_regex(c.get(key), *field, file);
  }
  c.finish();
}

// `power_off:`: the command, and the console line of a guest that halts without powering off.
void read_power_off(const YAML::Node& off, const fs::path& file, MachineProfile& p) {
  MappingReader o(off, file, "the power_off section");
  p.power_off.command = o.string("command", p.power_off.command);
  if (o.has("halted")) {
    p.power_off.halted_pattern = as_string(o.get("halted"), file);
    check_regex(o.get("halted"), p.power_off.halted_pattern, file);
  }
  o.finish();
}

CommandChannelSpec read_command_channel(const YAML::Node& node, const fs::path& file) {
  MappingReader c(node, file, "the command_channel section");
  CommandChannelSpec spec;
  if (c.has("serial")) {
    const std::int64_t port = as_integer(c.get("serial"), file);
    if (port < 1 || port > 3)
      fail_at(c.get("serial"), file, "expected a serial port from 1 to 3 (0 is the console)");
    spec.serial = static_cast<int>(port);
  }
  spec.user = c.string("user", spec.user);
  c.finish();
  return spec;
}

void read_timeouts(const YAML::Node& t, const fs::path& file, MachineProfile& p) {
  MappingReader tm(t, file, "the timeouts section");
  if (tm.has("boot")) p.timeouts.boot = as_duration(tm.get("boot"), file);
  if (tm.has("command")) p.timeouts.command = as_duration(tm.get("command"), file);
  if (tm.has("shutdown")) p.timeouts.shutdown = as_duration(tm.get("shutdown"), file);
  tm.finish();
}

// `image:` (first: `${image}` may be used anywhere after it), resolved to a disk when asked;
// then `variables:`, names for the rest of the file, each expanded in order, each a default
// that a value the caller gives for the same name replaces.
void read_image_and_variables(MappingReader& m, const fs::path& file,
                              const ProfileImageOptions& image, Variables& vars,
                              MachineProfile& p) {
  if (const YAML::Node node = m.get("image"); node && !node.IsNull()) {
    p.image = read_image_request(node, file);
    if (!image.name.empty()) p.image->name = image.name;
    if (!vars.contains("image") && image.resolve) {
      p.prepared_image = image.resolve(*p.image);
      vars["image"] = p.prepared_image->disk.string();
    }
  } else if (!image.name.empty()) {
    throw ConfigError({file, 0, 0}, "the profile has no image: section, so no image (" +
                                        image.name + ") can be chosen for it");
  }
  if (const YAML::Node defs = m.get("variables"); defs && !defs.IsNull()) {
    if (!defs.IsMap()) fail_at(defs, file, "expected variables as a mapping of name: value");
    // Defaults: a name the caller gives (a suite's `machine: {variables}`) keeps its value.
    const Variables given = vars;
    for (const auto& entry : defs) {
      if (given.contains(entry.first.Scalar())) continue;
      vars[entry.first.Scalar()] =
          expand_variables(as_string(entry.second, file), vars, location_of(entry.second, file));
    }
  }
}

MachineProfile read_machine_profile(const fs::path& file, const Variables& variables,
                                    const ProfileImageOptions& image) {
  const YAML::Node root = load_yaml_file(file);
  Variables vars = variables;
  vars.emplace("profile_dir", fs::absolute(file).parent_path().string());
  vars.emplace("guest_dir", test_guest_directory().string());
  MappingReader m(root, file, "a machine profile");
  // A misspelt key, or a suite given where a profile was meant, is the likeliest cause of
  // anything else wrong in the file: reported first.
  for (const char* key : {"accel",
                          "boot",
                          "boot_markers",
                          "command_channel",
                          "console_commands",
                          "cpu",
                          "cpus",
                          "description",
                          "disks",
                          "extra_args",
                          "image",
                          "login",
                          "machine",
                          "memory",
                          "name",
                          "nics",
                          "panic_patterns",
                          "power_off",
                          "qemu",
                          "reboot_command",
                          "rtc",
                          "ssh",
                          "timeouts",
                          "variables"})
    (void)m.has(key);
  m.finish();
  MachineProfile p;
  p.source = file;
  read_image_and_variables(m, file, image, vars, p);
  const Context ctx{file, vars};
  read_board(m, root, ctx, p);
  if (const YAML::Node disks = m.get("disks"); disks && !disks.IsNull()) {
    if (!disks.IsSequence()) fail_at(disks, file, "expected a list of disks");
    for (const auto& d : disks) p.disks.push_back(read_disk(d, ctx, p.disks.size(), p.files));
  }
  if (const YAML::Node nics = m.get("nics"); nics && !nics.IsNull()) {
    if (!nics.IsSequence()) fail_at(nics, file, "expected a list of network cards");
    for (const auto& n : nics) p.nics.push_back(read_nic(n, ctx));
  }
  if (const YAML::Node boot = m.get("boot"); boot && !boot.IsNull()) read_boot(boot, ctx, p);
  if (p.disks.empty() && !p.cdrom && !p.kernel && !p.multiboot)
    fail_at(root, file,
            "a machine needs something to boot: disks, boot.cdrom, boot.kernel or boot.multiboot");
  if (p.multiboot && image.boot_medium) p.cdrom = image.boot_medium(*p.multiboot);
  if (const YAML::Node extra = m.get("extra_args"); extra && !extra.IsNull()) {
    for (const auto& a : as_string_list(extra, file))
      p.extra_args.push_back(expand_variables(a, vars, location_of(extra, file)));
  }
  p.boot_markers = read_patterns(m.get("boot_markers"), file, "boot_markers");
  p.panic_patterns = read_patterns(m.get("panic_patterns"), file, "panic_patterns");
  if (const YAML::Node login = m.get("login"); login && !login.IsNull()) read_login(login, file, p);
  if (const YAML::Node c = m.get("console_commands"); c && !c.IsNull())
    read_console_commands(c, file, p);
  p.reboot_command = m.string("reboot_command", p.reboot_command);
  if (const YAML::Node off = m.get("power_off"); off && !off.IsNull()) read_power_off(off, file, p);
  p.ssh = read_ssh(m.get("ssh"), ctx, p);
  if (const YAML::Node c = m.get("command_channel"); c && !c.IsNull())
    p.command_channel = read_command_channel(c, file);
  if (const YAML::Node t = m.get("timeouts"); t && !t.IsNull()) read_timeouts(t, file, p);
  m.finish();
  return p;
}

}  // namespace

MachineProfile load_machine_profile(const fs::path& file, const Variables& variables,
                                    const ProfileImageOptions& image) {
  try {
    return read_machine_profile(file, variables, image);
  } catch (const YAML::Exception& e) {
    throw ConfigError(yaml_location(e, file), "unexpected YAML: " + e.msg);
  }
}

void check_machine_files(const MachineProfile& profile) {
  std::optional<fs::path> image;  // as the profile's paths are resolved
  if (profile.prepared_image) {
    const fs::path& disk = profile.prepared_image->disk;
    image = disk.is_absolute() ? disk : (profile.source.parent_path() / disk).lexically_normal();
  }
  for (const auto& f : profile.files) {
    if (image && f.path == *image) continue;
    std::error_code ec;
    const auto status = fs::status(f.path, ec);
    if (ec || !fs::exists(status))
      throw ConfigError(f.where, "no such " + f.what + ": " + f.path.string());
    if (fs::is_directory(status))
      throw ConfigError(f.where, "expected a " + f.what + ", found a folder: " + f.path.string());
  }
}

std::vector<fs::path> profile_search_path(const std::vector<fs::path>& first,
                                          const std::vector<fs::path>& more) {
  std::vector<fs::path> path = first;
  if (const char* env = std::getenv("HURDLE_PROFILE_PATH"); env != nullptr) {
    std::stringstream dirs(env);
    for (std::string dir; std::getline(dirs, dir, ':');)
      if (!dir.empty()) path.emplace_back(dir);
  }
  path.insert(path.end(), more.begin(), more.end());
  path.emplace_back("fixtures/machines");
  path.push_back(installed_data_directory() / "machines");
  return path;
}

fs::path find_machine_profile(const std::string& name_or_path,
                              const std::vector<fs::path>& search_path) {
  const fs::path direct(name_or_path);
  std::error_code ec;  // a name too long for a file is "not there", not an exception
  if (name_or_path.find('/') != std::string::npos || direct.extension() == ".yaml") {
    if (!fs::is_regular_file(direct, ec))
      throw ConfigError({direct, 0, 0}, "no such machine profile file");
    return direct;
  }
  if (!valid_name(name_or_path, NameDots::kAllowed))
    throw ConfigError({},
                      "expected a machine profile's name (letters, digits, '.', '_', '-') "
                      "or a path to its file");
  for (const auto& dir : search_path) {
    const fs::path candidate = dir / (name_or_path + ".yaml");
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  throw ConfigError({name_or_path, 0, 0}, profile_not_found(name_or_path, search_path));
}

std::string profile_not_found(const std::string& name, const std::vector<fs::path>& search_path) {
  // The folders HURDLE_PROFILE_PATH gave, so that the message says where each came from.
  std::set<fs::path> from_env;
  if (const char* env = std::getenv("HURDLE_PROFILE_PATH"); env != nullptr) {
    std::stringstream dirs(env);
    for (std::string dir; std::getline(dirs, dir, ':');)
      if (!dir.empty()) from_env.emplace(dir);
  }
  std::string looked;
  std::set<std::string> names;
  std::set<fs::path> shown;  // a folder the path names twice is said once
  std::error_code ec;
  for (const auto& dir : search_path) {
    if (!shown.insert(fs::absolute(dir, ec).lexically_normal()).second) continue;
    looked += "\n  " + fs::absolute(dir, ec).lexically_normal().string() +
              (from_env.count(dir) != 0 ? " (HURDLE_PROFILE_PATH)" : "") +
              (fs::is_directory(dir, ec) ? "" : " (no such folder)");
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec))
      if (it->path().extension() == ".yaml" && it->is_regular_file(ec))
        names.insert(it->path().stem().string());
  }
  std::string there;
  for (const auto& n : names) there += (there.empty() ? "" : ", ") + n;
  return "no machine profile named '" + name + "'; looked for " + name + ".yaml in:" + looked +
         "\nprofiles there: " + (there.empty() ? "none" : there) +
         "\nAdd the folder that holds it to HURDLE_PROFILE_PATH (':'-separated), or give the "
         "profile's file as a path (a suite's `machine: path/to/" +
         name + ".yaml`, `hurdle exec --machine PATH`)";
}

}  // namespace hurdle
