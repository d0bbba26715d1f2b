#include "engine/boot_cache.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "core/atomic_file.hpp"
#include "core/cache_directory.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/run_program.hpp"
#include "core/secret_mask.hpp"
#include "core/version.hpp"
#include "machine/saved_machine.hpp"
#include "qemu/image_digest.hpp"
#include "qemu/qemu_command.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

// Bumped when what a template holds, or how it is made, changes. 2: the key names no path
// of this host (a template packed here is found on another), and names the CPU model.
constexpr int kTemplateFormat = 2;

// The CPU the guest sees: the profile's model (QEMU's default, qemu64, when it names none).
// `host` and `max` under KVM are this host's CPU, whose features a saved state depends on: the
// key then names the host's CPU too, so another runner's CPU makes its own template instead of
// loading one that fails halfway.
Json cpu_inputs(const MachineProfile& profile, Accelerator accel) {
  Json cpu = {{"model", profile.cpu.empty() ? "qemu-default" : profile.cpu}};
  if (accel == Accelerator::kKvm && (profile.cpu == "host" || profile.cpu == "max")) {
    std::ifstream info("/proc/cpuinfo");
    std::string line;
    std::string model;
    std::string flags;
    while (std::getline(info, line) && (model.empty() || flags.empty())) {
      if (line.starts_with("model name") && model.empty()) model = line.substr(line.find(':') + 1);
      if (line.starts_with("flags") && flags.empty()) flags = line.substr(line.find(':') + 1);
    }
    cpu["host"] = {{"model_name", model}, {"flags_sha256", text_digest(flags).hex}};
  }
  return cpu;
}

// A variable's value as the key keeps it: a secret's as its digest, never the value.
Json key_variables(const Variables& variables, const std::vector<std::string>& secrets) {
  const SecretMask mask(secrets);
  Json out = Json::object();
  for (const auto& [name, value] : variables)
    out[name] = mask.reveals(value) ? "secret sha256:" + text_digest(value).hex : value;
  return out;
}

// The leaves where `a` and `b` differ, as "path: 'a' here, 'b' there", at most `max`.
void differences(const Json& here, const Json& there, const std::string& path,
                 std::vector<std::string>& out, std::size_t max) {
  if (out.size() >= max || here == there) return;
  if (here.is_object() && there.is_object()) {
    std::set<std::string> names;
    for (const auto& [k, v] : here.items()) names.insert(k);
    for (const auto& [k, v] : there.items()) names.insert(k);
    for (const auto& k : names)
      differences(here.value(k, Json()), there.value(k, Json()), path.empty() ? k : path + "." + k,
                  out, max);
    return;
  }
  const auto shown = [](const Json& j) {
    std::string t = j.is_null() ? "nothing" : j.dump();
    return t.size() > 80 ? t.substr(0, 77) + "..." : t;
  };
  out.push_back(path + " (" + shown(here) + " here, " + shown(there) + " in it)");
}

std::string optional_text(const std::optional<std::string>& s) { return s ? "=" + *s : "-"; }

std::string qemu_version_text(const std::string& qemu) {
  const auto result = run_program({qemu, "--version"});
  if (!result.ok()) throw QemuError("`" + qemu + " --version` failed: " + result.err);
  return result.out.substr(0, result.out.find('\n'));
}

std::uintmax_t allocated_bytes(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return 0;
  return static_cast<std::uintmax_t>(st.st_blocks) * 512;
}

std::uintmax_t folder_bytes(const fs::path& folder) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) total += allocated_bytes(it->path());
  return total;
}

std::uint64_t free_bytes(const fs::path& folder) {
  struct statvfs info {};
  if (::statvfs(folder.c_str(), &info) != 0) return 0;
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

}  // namespace

TemplateKey template_key(const Suite& suite, const MachineProfile& profile, Accelerator accel,
                         const fs::path& digest_cache) {
  Json in;
  in["format"] = kTemplateFormat;
  in["hurdle"] = kVersion;
  in["profile"] = {{"name", profile.name},
                   {"sha256", file_digest(profile.source, DigestAlgorithm::kSha256).hex},
                   {"variables", key_variables(suite.machine_variables, suite.secrets)},
                   {"image", suite.image}};
  // QEMU's argv with this run's sockets, ports, RAM file and the places of its files left out
  // (the files are named by their digests below): the rest is every device and option the
  // guest sees, the same on any host.
  MachineProfile placeless = profile;
  if (placeless.kernel) placeless.kernel = "KERNEL";
  if (placeless.initrd) placeless.initrd = "INITRD";
  if (placeless.cdrom) placeless.cdrom = "CDROM";
  QemuLaunch launch;
  launch.console_socket = "CONSOLE";
  launch.qmp_socket = "QMP";
  launch.accel = accel;
  for (const auto& d : profile.disks) launch.disk_files.push_back("DISK-" + d.node_name);
  for (const auto& nic : profile.nics)
    for (const auto& f : nic.forwards) launch.host_ports[f.name] = 0;
  launch.ram = RamFile{"RAM", true};
  in["argv"] = qemu_argv(placeless, launch);
  in["cpu"] = cpu_inputs(profile, accel);
  in["qemu"] = {{"binary", fs::path(find_program(profile.qemu)).filename().string()},
                {"version", qemu_version_text(profile.qemu)}};
  Json files = Json::object();
  for (const auto& d : profile.disks) {
    const auto& prepared = profile.prepared_image;
    if (prepared && d.file == prepared->disk)
      files[d.node_name] = {{"lock_entry", prepared->name},
                            {"artifact", prepared->artifact.str()},
                            {"recipe", prepared->recipe.str()}};
    else
      files[d.node_name] = image_sha256(d.file, digest_cache);
  }
  for (const auto& [what, file] :
       {std::pair{"kernel", profile.kernel}, {"initrd", profile.initrd}, {"cdrom", profile.cdrom}})
    if (file) files[what] = image_sha256(*file, digest_cache);
  in["files"] = files;
  in["suite"] = {
      {"variables", key_variables(suite.variables, suite.secrets)},
      {"wait_for_boot", suite.wait_for_boot},
      {"login", suite.login},
      {"login_user", optional_text(suite.login_user)},
      {"login_password", suite.login_password ? text_digest(*suite.login_password).hex : "-"}};
  Json provision = Json::array();
  for (const auto& step : suite.provision) provision.push_back(step.inputs());
  in["suite"]["provision"] = provision;
  return {text_digest(in.dump()).hex, in};
}

namespace {

constexpr const char* kOwnerFile = "owner";

}  // namespace

BootCache::BootCache(fs::path root, RamPlace ram_place, fs::path shm)
    : root_(std::move(root)), ram_place_(ram_place), shm_(std::move(shm)) {}

fs::path BootCache::default_shm_folder() {
  return fs::path("/dev/shm") / ("hurdle-" + std::to_string(::getuid()));
}

BootCache BootCache::in(const fs::path& cache_dir) {
  const char* env = std::getenv("HURDLE_TEMPLATE_RAM");
  const bool cache = env != nullptr && std::string(env) == "cache";
  // One tmpfs folder per cache folder: gc of one cache must not take another's RAM files.
  const fs::path root = fs::absolute(cache_dir / "templates").lexically_normal();
  return BootCache(root, cache ? RamPlace::kCacheFolder : RamPlace::kShm,
                   default_shm_folder() / text_digest(root.string()).hex.substr(0, 16));
}

FileLock BootCache::lock(const std::string& key, const std::function<void()>& on_wait) const {
  fs::create_directories(root_);
  fs::permissions(root_, fs::perms::owner_all);
  return FileLock::acquire(root_ / (key + ".lock"), on_wait);
}

fs::path BootCache::ram_file(const std::string& key, std::uint64_t bytes, std::string& why) const {
  constexpr std::uint64_t kMargin = 256ull << 20;
  if (ram_place_ == RamPlace::kShm) {
    std::error_code ec;
    fs::create_directories(root_);
    fs::create_directories(shm_.parent_path(), ec);
    if (!ec) fs::permissions(shm_.parent_path(), fs::perms::owner_all, ec);
    // Whose folder this is: sweep_orphans removes it once that templates folder is gone. It
    // comes into being with its owner named (a sweep never sees it without one).
    if (!ec && !fs::exists(shm_ / kOwnerFile)) {
      const fs::path making = shm_.string() + ".tmp-" + std::to_string(::getpid());
      fs::create_directories(making, ec);
      if (!ec) fs::permissions(making, fs::perms::owner_all, ec);
      if (!ec) write_file_atomically(making / kOwnerFile, root_.string() + "\n");
      if (!ec) fs::rename(making, shm_, ec);
      if (ec) {  // there already, made before folders named their owner, or by another run
        ec.clear();
        fs::remove_all(making, ec);
        fs::create_directories(shm_, ec);
        if (!ec && !fs::exists(shm_ / kOwnerFile))
          write_file_atomically(shm_ / kOwnerFile, root_.string() + "\n");
      }
    }
    if (!ec) fs::permissions(shm_, fs::perms::owner_all, ec);
    const std::uint64_t room = ec ? 0 : free_bytes(shm_);
    if (!ec && room >= bytes + kMargin) {
      why = "on tmpfs (" + std::to_string(room >> 20) + " MiB free in " + shm_.string() + ")";
      return shm_ / (key + ".ram");
    }
    why = "in the cache folder: " + shm_.string() + " has " + std::to_string(room >> 20) +
          " MiB free, and the RAM needs " + std::to_string((bytes + kMargin) >> 20);
  } else {
    why = "in the cache folder, as HURDLE_TEMPLATE_RAM=cache asks";
  }
  fs::create_directories(root_);
  return root_ / (key + ".ram");
}

void BootCache::discard(const std::string& key) const {
  std::error_code ec;
  fs::path ram;
  try {
    ram = SavedMachine::read(folder(key)).ram;
  } catch (const Error&) {
  }
  fs::remove_all(folder(key), ec);
  for (const fs::path& f : {ram, shm_ / (key + ".ram"), root_ / (key + ".ram")})
    if (!f.empty()) fs::remove(f, ec);
}

void BootCache::mark_used(const std::string& key) const {
  std::ofstream(folder(key) / "last-used", std::ios::trunc) << "\n";
}

std::vector<BootCache::Entry> BootCache::list() const {
  std::vector<Entry> entries;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root_, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (!it->is_directory(ec) || it->path().filename().string().find(".tmp-") != std::string::npos)
      continue;
    Entry e;
    e.key = it->path().filename().string();
    e.disk_bytes = folder_bytes(it->path());
    e.last_used = fs::last_write_time(it->path(), ec);
    if (fs::exists(it->path() / "last-used", ec))
      e.last_used = fs::last_write_time(it->path() / "last-used", ec);
    try {
      const SavedMachine m = SavedMachine::read(it->path());
      e.machine = m.machine;
      e.made_at = m.saved_at;
      e.ram = m.ram;
      if (!fs::exists(m.ram, ec))
        e.problem = "its RAM file " + m.ram.string() + " is gone";
      else
        e.ram_bytes = allocated_bytes(m.ram);
    } catch (const Error& err) {
      e.problem = std::string("unreadable: ") + err.what();
    }
    std::ifstream info(it->path() / "template.json");
    if (info) {
      try {
        e.suite = Json::parse(info).value("suite", "");
      } catch (const Json::exception&) {
      }
    }
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.last_used > b.last_used; });
  return entries;
}

std::string BootCache::explain_miss(const TemplateKey& key, const std::string& suite) const {
  for (const Entry& e : list()) {  // most recently used first
    if (e.key == key.hex || e.suite != suite || !e.problem.empty()) continue;
    std::ifstream in(folder(e.key) / "key-inputs.json");
    const Json there = Json::parse(in, nullptr, false);
    if (there.is_discarded()) continue;
    std::vector<std::string> diff;
    differences(key.inputs, there, "", diff, 6);
    std::string text;
    for (const auto& d : diff) text += (text.empty() ? "" : "; ") + d;
    return "the template " + e.key.substr(0, 16) + " of suite " + suite + " (made " + e.made_at +
           ") is not this run's: " + (text.empty() ? "its key differs" : text);
  }
  return {};
}

std::vector<BootCache::Entry> BootCache::gc(std::chrono::hours unused_for) const {
  std::vector<Entry> removed;
  const auto now = fs::file_time_type::clock::now();
  for (const Entry& e : list()) {
    const bool old = now - e.last_used >= unused_for;
    if (!old && e.problem.empty()) continue;
    // A template a run holds now (making or opening it) stays.
    const auto held = FileLock::try_acquire(root_ / (e.key + ".lock"));
    if (!held) continue;
    discard(e.key);
    removed.push_back(e);
  }
  // RAM files and unfinished folders whose template is gone.
  std::error_code ec;
  for (const fs::path& dir : {shm_, root_}) {
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      const auto tmp = name.find(".tmp-");
      std::string key;
      if (it->path().extension() == ".ram")
        key = it->path().stem().string();
      else if (tmp != std::string::npos)
        key = name.substr(0, tmp);
      else
        continue;
      if (tmp == std::string::npos && fs::exists(folder(key))) continue;
      const auto held = FileLock::try_acquire(root_ / (key + ".lock"));
      if (!held) continue;
      Entry e;
      e.key = key;
      e.problem = "left over: " + it->path().string();
      std::error_code rm;
      fs::remove_all(it->path(), rm);
      removed.push_back(e);
    }
    ec.clear();
  }
  return removed;
}

namespace {

// Whether a live process maps a file under `folder` (its /proc/PID/maps, for the processes
// this user may read: hurdle's QEMUs are this user's).
bool mapped_under(const fs::path& folder) {
  const std::string prefix = " " + folder.string() + "/";
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string pid = it->path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream maps(it->path() / "maps");
    for (std::string line; std::getline(maps, line);)
      if (line.find(prefix) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::vector<BootCache::Swept> BootCache::sweep_orphans(const fs::path& shm_root) {
  std::vector<Swept> swept;
  std::error_code ec;
  for (auto it = fs::directory_iterator(shm_root, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::error_code e;
    if (!it->is_directory(e) || it->is_symlink(e)) continue;
    const fs::path folder = it->path();
    std::ifstream in(folder / kOwnerFile);
    std::string owner;
    std::getline(in, owner);
    if (!owner.empty() && fs::exists(owner, e)) continue;
    if (mapped_under(folder)) continue;
    Swept s{folder, folder_bytes(folder)};
    fs::remove_all(folder, e);
    if (!e) swept.push_back(std::move(s));
  }
  return swept;
}

}  // namespace hurdle
