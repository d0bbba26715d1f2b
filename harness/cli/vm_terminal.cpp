#include "cli/vm_terminal.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/raw_terminal.hpp"
#include "core/byte_text.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "core/safe_text.hpp"
#include "core/unique_fd.hpp"
#include "core/unix_socket.hpp"
#include "core/wall_clock.hpp"
#include "vm/control_commands.hpp"

namespace hurdle::cli {

namespace fs = std::filesystem;
using Json = nlohmann::json;

int attach_console(const VmClient& vm) {
  // A supervisor that goes away must end the loop below, not kill this process with the
  // terminal still raw.
  ::signal(SIGPIPE, SIG_IGN);
  ControlChannel channel = vm.attach_console(true);
  std::cerr << "hurdle vm: the console of " << vm.record().name
            << " is attached; Ctrl-] leaves (the VM goes on)\r" << std::endl;
  int status = 0;
  {
    RawTerminal raw(STDIN_FILENO);
    write_fully(STDOUT_FILENO, channel.take_pending());
    for (;;) {
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {channel.fd(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      char buffer[4096];
      if (fds[1].revents != 0) {
        const ssize_t n = ::read(channel.fd(), buffer, sizeof buffer);
        if (n <= 0) {
          status = 1;  // the VM stopped
          break;
        }
        write_fully(STDOUT_FILENO, std::string_view(buffer, static_cast<std::size_t>(n)));
      }
      if (fds[0].revents != 0) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n <= 0) break;  // no more input: leave
        const std::string_view typed(buffer, static_cast<std::size_t>(n));
        const auto escape = typed.find(kConsoleEscape);
        const std::string_view to_send = typed.substr(0, escape);
        if (!to_send.empty()) write_fully(channel.fd(), to_send);
        if (escape != std::string_view::npos) break;
      }
    }
  }
  std::cerr << (status == 0 ? "\nhurdle vm: left the console; " + vm.record().name + " runs on"
                            : "\nhurdle vm: " + vm.record().name + " stopped")
            << std::endl;
  return status;
}

int run_monitor(const VmClient& vm) {
  const bool prompt = ::isatty(STDIN_FILENO) != 0;
  std::cout << "QEMU monitor of " << vm.record().name
            << " (HMP through QMP); `quit` or Ctrl-D leaves it, the VM goes on" << std::endl;
  std::string line;
  for (;;) {
    if (prompt) std::cout << "(qemu) " << std::flush;
    if (!std::getline(std::cin, line)) break;
    if (line == "quit" || line == "q" || line == "exit") break;
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      const Json r = vm.request(control::kMonitor, {{"line", line}}, std::chrono::minutes(5));
      std::cout << safe_text(r.value("output", std::string())) << std::flush;
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {
      std::cout << "error: " << e.what() << std::endl;
      if (!vm.folder().live()) return kExitInfrastructure;
    }
  }
  if (prompt) std::cout << std::endl;
  return 0;
}

int exec_interactive_ssh(const VmClient& vm) {
  const InstanceRecord& r = vm.record();
  const auto port = r.ports.find("ssh");
  if (port == r.ports.end() || r.ssh_user.empty())
    throw ConfigError({}, r.name + "'s profile has no SSH");
  std::vector<std::string> args = {
      "ssh",
      "-p",
      std::to_string(port->second),
      "-o",
      "UserKnownHostsFile=" + (vm.folder().path() / "known_hosts").string(),
      "-o",
      "StrictHostKeyChecking=accept-new",
      "-o",
      "LogLevel=ERROR"};
  if (!r.ssh_key.empty())
    args.insert(args.end(), {"-i", r.ssh_key.string(), "-o", "IdentitiesOnly=yes"});
  args.push_back(r.ssh_user + "@127.0.0.1");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execvp("ssh", argv.data());
  print_error(std::string("hurdle vm ssh: cannot run ssh: ") + std::strerror(errno));
  return kExitInfrastructure;
}

namespace {

fs::path log_file(const VmClient& vm, const std::string& log) {
  if (log == "supervisor") return vm.folder().supervisor_log();
  if (log == "health") return vm.folder().health_log();
  if (log == "console") return vm.record().log_dir / "console.txt";
  return vm.record().log_dir / (log + ".log");
}

// What was added to `in` since the last call, to stdout.
void copy_new(std::ifstream& in) {
  char buffer[65536];
  for (;;) {
    in.read(buffer, sizeof buffer);
    const auto n = in.gcount();
    if (n <= 0) break;
    write_fully(STDOUT_FILENO, std::string_view(buffer, static_cast<std::size_t>(n)));
  }
  in.clear();  // at its end, for now: more may come
}

}  // namespace

int print_log(const std::string& name, const std::string& log, bool follow) {
  const VmClient vm = VmClient::open(name);
  const fs::path file = log_file(vm, log);
  std::ifstream in(file, std::ios::binary);
  if (!in && !follow) throw HostError(file.string() + " is not there (yet)");
  copy_new(in);
  if (!follow) return 0;
  UniqueFd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  ::inotify_add_watch(watch.get(), file.parent_path().c_str(), IN_MODIFY | IN_CREATE);
  // Until the VM stops: woken by every change of the folder, and by the end of a connection
  // to the supervisor, which closes it on its way out (or the kernel does, if it was killed).
  const ControlChannel supervisor = ControlChannel::connect(vm.folder().control_socket());
  for (;;) {
    pollfd fds[2] = {{watch.get(), POLLIN, 0}, {supervisor.fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    char events[4096];
    while (::read(watch.get(), events, sizeof events) > 0) {
    }
    if (!in.is_open()) in.open(file, std::ios::binary);
    if (in) copy_new(in);
    if (fds[1].revents != 0) break;  // the supervisor is gone
  }
  return 0;
}

namespace {

std::string stats_text(const Json& s) {
  if (!s.value("running", false)) return "QEMU not running";
  std::ostringstream out;
  out << "rss " << byte_text(s.value("rss_bytes", std::uint64_t{0})) << ", pss "
      << byte_text(s.value("pss_bytes", std::uint64_t{0})) << ", cpu " << std::fixed
      << std::setprecision(2) << s.value("cpu_seconds", 0.0) << " s, disks "
      << byte_text(s.value("disk_allocated_bytes", std::uint64_t{0}));
  return out.str();
}

// Calls `once` now and then every `interval` seconds (0: once) while the VM is there; the
// status of the last call.
template <typename Once>
int every(double interval, const std::string& name, Once once) {
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    const int status = once();
    if (interval <= 0) return status;
    if (!InstanceFolder::named(name).live()) return status;
    next += std::chrono::milliseconds(static_cast<std::int64_t>(interval * 1000));
    std::this_thread::sleep_until(next);  // a period, not a wait for something
  }
}

}  // namespace

int watch_health(const std::string& name, double interval, bool json) {
  const InstanceFolder folder = InstanceFolder::named(name);
  return every(interval, name, [&]() {
    std::string line;
    Json out;
    bool ok = false;
    if (!folder.live()) {
      out = {{"ok", false}, {"checks", {{"supervisor", false}}}, {"guest", "not running"}};
      line = name + " down: no supervisor (not running; running: " + running_vm_names() + ")";
    } else {
      try {
        out = VmClient::open(name).request(control::kHealth, Json::object(),
                                           std::chrono::seconds(30));
        ok = out.value("ok", false);
        const Json& c = out["checks"];
        auto yes = [&](const char* k) { return c.value(k, false) ? "yes" : "NO"; };
        line = name + (ok ? " ok" : " FAILING") + ": supervisor " + yes("supervisor") + ", qemu " +
               yes("qemu") + ", qmp " + yes("qmp") + " (" + out.value("run_state", std::string()) +
               "), guest " + out.value("guest", std::string()) + "; " +
               (out.contains("stats") ? stats_text(out["stats"]) : std::string());
      } catch (const std::exception& e) {
        out = {{"ok", false}, {"checks", {{"supervisor", false}}}, {"error", e.what()}};
        line = name + " FAILING: the supervisor does not answer: " + e.what();
      }
    }
    line = wall_clock_text("%Y-%m-%dT%H:%M:%SZ") + " " + safe_text(line);
    out["time"] = wall_clock_text("%Y-%m-%dT%H:%M:%SZ");
    std::cout << (json ? out.dump() : line) << std::endl;
    if (interval > 0 && folder.exists()) {
      std::ofstream log(folder.health_log(), std::ios::app);
      log << line << "\n";
    }
    return ok ? 0 : 1;
  });
}

int watch_stats(const std::string& name, double interval, bool json) {
  return every(interval, name, [&]() {
    const Json s = VmClient::open(name).request(control::kStats);
    std::cout << (json ? s.dump() : wall_clock_text("%H:%M:%S ") + name + ": " + stats_text(s))
              << std::endl;
    return 0;
  });
}

}  // namespace hurdle::cli
