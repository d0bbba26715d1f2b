#include "vm/vm_client.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "vm/control_commands.hpp"

namespace hurdle {

bool process_exists(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

bool wait_until_gone(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  if (pid <= 0) return true;
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd.valid()) return errno == ESRCH;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd.get(), POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return !process_exists(pid);
  }
}

std::string running_vm_names() {
  std::string names;
  for (const auto& r : list_instances().running) names += (names.empty() ? "" : ", ") + r.name;
  return names.empty() ? "none" : names;
}

VmClient VmClient::open(const std::string& name) {
  const InstanceFolder folder = InstanceFolder::named(name);
  if (!folder.live()) {
    const bool stale = folder.exists() && folder.remove_if_stale();
    throw ConfigError({}, "no VM named " + name + " is running" +
                              (stale ? " (its folder was stale: removed)" : "") +
                              "; running: " + running_vm_names());
  }
  auto record = folder.read_record();
  if (!record)
    throw ConfigError({}, "the VM " + name + " is still starting (no record yet); try again");
  return {folder, std::move(*record)};
}

nlohmann::json VmClient::request(const std::string& command, const nlohmann::json& args,
                                 std::chrono::milliseconds timeout) const {
  return control_request(folder_.control_socket(), command, args, timeout);
}

SshClientOptions VmClient::ssh_options() const {
  const auto port = record_.ports.find("ssh");
  if (port == record_.ports.end() || record_.ssh_user.empty())
    throw ConfigError({}, record_.name + "'s profile has no SSH");
  SshClientOptions o;
  o.machine = record_.name;
  o.endpoint = {"127.0.0.1", port->second};
  o.auth.user = record_.ssh_user;
  if (!record_.ssh_key.empty()) {
    o.auth.method = SshAuth::Method::kKey;
    o.auth.key = SshKey::load(record_.ssh_key);
  } else if (record_.ssh_auth == "none") {
    o.auth.method = SshAuth::Method::kNone;
  } else if (record_.ssh_auth == "blank-password") {
    o.auth.method = SshAuth::Method::kPassword;
    o.auth.password.clear();
  } else {
    throw ConfigError({}, record_.name +
                              "'s guest takes a password over SSH, which hurdle does "
                              "not keep: use `hurdle vm ssh` instead");
  }
  o.host_key_file = folder_.path() / "client-host-key";
  o.log_file = record_.log_dir / "vm-exec-ssh.log";  // kept with the machine's logs
  return o;
}

ControlChannel VmClient::attach_console(bool fresh_prompt) const {
  ControlChannel channel = ControlChannel::connect(folder_.control_socket());
  channel.send({{"command", control::kConsole}, {"args", {{"fresh_prompt", fresh_prompt}}}});
  const auto reply = channel.receive(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  if (!reply || !reply->value("ok", false))
    throw ControlError("the console of " + record_.name + " could not be attached: " +
                       (reply ? reply->value("error", std::string()) : std::string("no answer")));
  return channel;
}

bool VmClient::wait_until_stopped(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  return wait_until_gone(record_.supervisor_pid, deadline) &&
         wait_until_gone(record_.qemu_pid, deadline);
}

bool VmClient::kill(std::chrono::milliseconds timeout) const {
  ::kill(record_.supervisor_pid, SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // QEMU's PR_SET_PDEATHSIG ends it with the supervisor; nothing to be told, only to see.
  const bool gone = wait_until_gone(record_.supervisor_pid, deadline) &&
                    wait_until_gone(record_.qemu_pid, deadline);
  if (gone) folder_.remove_if_stale();
  return gone;
}

}  // namespace hurdle
