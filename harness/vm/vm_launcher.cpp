#include "vm/vm_launcher.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/json_text.hpp"
#include "core/log_file.hpp"
#include "core/print_error.hpp"
#include "core/unix_socket.hpp"
#include "vm/control_channel.hpp"

extern char** environ;

namespace hurdle {

namespace fs = std::filesystem;

fs::path this_program() { return fs::read_symlink("/proc/self/exe"); }

namespace {

// Starts `hurdle vm serve` (ARGS) with nothing on its input, its output to LOG and the write
// end of the ready pipe as its descriptor 3, and waits for it: it forks the supervisor into a
// session of its own and exits at once.
void spawn_serve(const std::vector<std::string>& args, const fs::path& log, int ready_write_end) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_adddup2(&actions, ready_write_end, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The caller may have blocked or ignored signals (hurdle run's watcher, the MCP server):
  // the supervisor starts with none of that.
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, args[0].c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw HostError("cannot start " + args[0] + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

LaunchResult launch_vm(const LaunchRequest& request, const fs::path& program) {
  const auto start = std::chrono::steady_clock::now();
  const InstanceFolder folder = InstanceFolder::named(request.name);
  if (folder.live())
    throw ConfigError({}, "a VM named " + request.name + " is running already: `hurdle vm quit " +
                              request.name + "` stops it");
  folder.remove_if_stale();
  // The supervisor's own output goes to its log in the instance folder (0700).
  (void)folder.claim();  // makes the folder; the lock is let go at once
  const fs::path log = folder.supervisor_log();

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw HostError(std::string("pipe: ") + std::strerror(errno));
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  // The request goes whole, as JSON in the instance folder (0700), which the supervisor reads.
  const fs::path request_file = folder.path() / "launch.json";
  write_file_atomically(request_file, launch_request_json(request).dump(2) + "\n");
  spawn_serve({program.string(), "vm", "serve", request.name, "--ready-fd", "3", "--request",
               request_file.string()},
              log, write_end.get());
  write_end.reset();

  ControlChannel ready(std::move(read_end));
  const auto message = ready.receive(std::chrono::steady_clock::time_point::max());
  if (!message) {
    throw ControlError("the supervisor of " + request.name +
                       " ended before the machine was ready; " + log.string() + " ends with:\n" +
                       file_tail(log, 4000));
  }
  // A start that failed (the machine would not start, or its boot failed) is told once QEMU
  // has quit and the supervisor has removed its folder: nothing is left of it here.
  if (!message->value("ok", false)) throw_error_reply(*message);
  LaunchResult result;
  result.record = InstanceRecord::from_json(message->at("record"), "the supervisor's reply");
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return result;
}

int serve_detached(const std::string& name, const fs::path& request, int ready_fd) {
  // A session of its own, away from the terminal and the caller's process group: the
  // caller (`vm start`) waits for this first process, which leaves at once.
  // Nothing of the caller's but the ready pipe: an MCP server's pipes to its client must not
  // stay open in a process that outlives it.
  if (ready_fd > 3) ::close_range(3, static_cast<unsigned>(ready_fd) - 1, 0);
  ::close_range(static_cast<unsigned>(std::max(ready_fd, 2)) + 1, ~0U, 0);
  const pid_t child = ::fork();
  if (child < 0) return kExitInfrastructure;
  if (child > 0) return kExitPassed;
  ::setsid();
  SupervisorOptions o;
  try {
    const LaunchRequest r =
        launch_request_from_json(read_json_file(request, 1 << 20), request.string());
    if (r.name != name)
      throw ConfigError({}, request.string() + ": it starts " + r.name + ", not " + name);
    o = supervisor_options(r, ready_fd);
  } catch (const std::exception& e) {
    print_error(std::string("hurdle vm serve: ") + e.what());
    return kExitBadInput;
  }
  return serve_vm(o);
}

}  // namespace hurdle
