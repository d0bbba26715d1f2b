#include "vm/instance_folder.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/name_rules.hpp"

namespace hurdle {

namespace fs = std::filesystem;

nlohmann::json InstanceRecord::to_json() const {
  nlohmann::json ports_json = nlohmann::json::object();
  for (const auto& [service, port] : ports) ports_json[service] = port;
  return {{"name", name},
          {"state", state},
          {"supervisor_pid", supervisor_pid},
          {"qemu_pid", qemu_pid},
          {"profile", profile},
          {"image", image},
          {"accelerator", accelerator},
          {"log_dir", log_dir.string()},
          {"ports", ports_json},
          {"ssh_user", ssh_user},
          {"ssh_key", ssh_key.string()},
          {"ssh_auth", ssh_auth},
          {"owned_state", owned_state.string()},
          {"started_at", started_at}};
}

InstanceRecord InstanceRecord::from_json(const nlohmann::json& json, const std::string& source) {
  try {
    InstanceRecord r;
    r.name = json.at("name").get<std::string>();
    r.state = json.at("state").get<std::string>();
    r.supervisor_pid = json.at("supervisor_pid").get<pid_t>();
    r.qemu_pid = json.at("qemu_pid").get<pid_t>();
    r.profile = json.at("profile").get<std::string>();
    r.image = json.value("image", std::string());
    r.accelerator = json.value("accelerator", std::string());
    r.log_dir = json.at("log_dir").get<std::string>();
    for (const auto& [service, port] : json.at("ports").items())
      r.ports[service] = port.get<std::uint16_t>();
    r.ssh_user = json.value("ssh_user", std::string());
    r.ssh_key = json.value("ssh_key", std::string());
    r.ssh_auth = json.value("ssh_auth", std::string());
    r.owned_state = json.value("owned_state", std::string());
    r.started_at = json.value("started_at", std::string());
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw ControlError(source + ": not an instance record: " + e.what());
  }
}

namespace {

// Makes `dir` (mode 0700) when missing, and refuses one that another user owns or others may
// write: sockets and keys go there.
void make_private_folder(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw HostError("cannot make " + dir.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0)
    throw HostError("cannot read " + dir.string() + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
    throw HostError(dir.string() + " is not a folder of this user's: refusing to keep VMs there");
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0)
    throw HostError("cannot make " + dir.string() + " private: " + std::strerror(errno));
}

}  // namespace

fs::path instances_root() {
  fs::path root;
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime != nullptr && *runtime != 0) {
    root = fs::path(runtime) / "hurdle";
  } else {
    const char* tmp = std::getenv("TMPDIR");
    root = fs::path(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") /
           ("hurdle-" + std::to_string(::geteuid()));
  }
  make_private_folder(root);
  return root;
}

InstanceFolder InstanceFolder::named(const std::string& name) {
  // Shorter than other names: the control socket's path must fit a UNIX socket address.
  constexpr std::size_t kMaxVmName = 48;
  if (!valid_name(name) || name.size() > kMaxVmName)
    throw ConfigError({}, "'" + name + "' is no VM name: letters, digits, '_' and '-', at most " +
                              std::to_string(kMaxVmName) + " characters, not starting with '-'");
  return {name, instances_root() / name};
}

bool InstanceFolder::exists() const { return fs::exists(path_); }

bool InstanceFolder::live() const {
  if (!fs::exists(lock_file())) return false;
  return !FileLock::try_acquire(lock_file()).has_value();
}

std::optional<FileLock> InstanceFolder::claim() const {
  make_private_folder(path_);
  return FileLock::try_acquire(lock_file());
}

std::optional<InstanceRecord> InstanceFolder::read_record() const {
  std::ifstream in(record_file());
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded()) throw ControlError(record_file().string() + ": not JSON");
  return InstanceRecord::from_json(json, record_file().string());
}

void InstanceFolder::write_record(const InstanceRecord& record) const {
  write_file_atomically(record_file(), record.to_json().dump(2) + "\n");
}

bool InstanceFolder::remove_if_stale() const {
  if (!exists()) return true;
  auto lock = FileLock::try_acquire(lock_file());
  if (!lock) return false;
  remove(*lock);
  return true;
}

void InstanceFolder::remove(const FileLock& held) const {
  (void)held;  // proof that nobody else uses the folder meanwhile
  std::error_code ec;
  // The supervisor's log joins the machine's logs, which stay: for a supervisor that died,
  // it is the one account of why.
  try {
    if (const auto record = read_record()) {
      if (fs::is_directory(record->log_dir) && fs::exists(supervisor_log()))
        fs::copy_file(supervisor_log(), record->log_dir / "supervisor.log",
                      fs::copy_options::overwrite_existing, ec);
      // Only a folder where hurdle exec puts what it hands over: a record names no other.
      if (record->owned_state.is_absolute() &&
          record->owned_state.parent_path().filename() == kOwnedStateFolder)
        fs::remove_all(record->owned_state, ec);
    }
  } catch (const Error&) {
    // a damaged record: no log folder to keep it in
  }
  // The lock file goes last, while it is still held: a new supervisor of the name locks a
  // new one in a new folder.
  for (const auto& entry : fs::directory_iterator(path_, ec))
    if (entry.path() != lock_file()) fs::remove_all(entry.path(), ec);
  fs::remove(lock_file(), ec);
  fs::remove(path_, ec);
}

InstanceListing list_instances() {
  InstanceListing listing;
  const fs::path root = instances_root();
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.is_directory()) folders.push_back(entry.path());
  std::sort(folders.begin(), folders.end());
  for (const auto& dir : folders) {
    const std::string name = dir.filename().string();
    if (!valid_name(name)) continue;
    const InstanceFolder folder = InstanceFolder::named(name);
    if (folder.live()) {
      try {
        if (auto record = folder.read_record()) listing.running.push_back(std::move(*record));
      } catch (const Error&) {
        // a record being replaced: the supervisor writes it atomically, so only a damaged one
      }
    } else if (folder.remove_if_stale()) {
      listing.removed.push_back(name);
    }
  }
  return listing;
}

}  // namespace hurdle
