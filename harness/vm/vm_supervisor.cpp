#include "vm/vm_supervisor.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "core/cache_directory.hpp"
#include "core/error.hpp"
#include "core/unix_socket.hpp"
#include "core/wall_clock.hpp"
#include "machine/machine.hpp"
#include "qemu/host_port.hpp"
#include "qemu/machine_profile.hpp"
#include "vm/control_channel.hpp"
#include "vm/control_commands.hpp"
#include "vm/instance_folder.hpp"
#include "vm/machine_turn.hpp"
#include "vm/vm_stats.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using std::chrono::milliseconds;

namespace {

milliseconds millis_arg(const Json& args, const char* name, milliseconds fallback) {
  if (!args.contains(name)) return fallback;
  if (!args[name].is_number() || args[name].get<double>() < 0)
    throw ConfigError({}, std::string("`") + name + "` must be a number of milliseconds");
  return milliseconds(args[name].get<std::int64_t>());
}

std::string string_arg(const Json& args, const char* name) {
  if (!args.contains(name) || !args[name].is_string())
    throw ConfigError({}, std::string("`") + name + "` (a string) is missing");
  return args[name].get<std::string>();
}

// QEMU's run state as a person reads it: a machine stopped after a snapshot load says
// "restore-vm" in query-status, where HMP's `info status` says "paused".
std::string run_state(QmpClient& qmp) {
  const Json s = qmp.execute("query-status", {}, std::chrono::seconds(5));
  if (s.value("running", false)) return "running";
  const std::string status = s.value("status", std::string("unknown"));
  return status == "restore-vm" ? "paused" : status;
}

// The signals that stop a supervisor: blocked in every thread, taken by the serve loop.
sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (const int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
  return signals;
}

// Says once, on the pipe `vm start` waits on, how the start went; then closes it.
void tell_ready(int& fd, const Json& message) {
  if (fd < 0) return;
  // A `vm start` that went away has nobody to tell: nothing to do about it.
  write_fully(fd, message.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n");
  ::close(std::exchange(fd, -1));
}

std::int64_t ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<milliseconds>(d).count();
}

class VmSupervisor {
 public:
  VmSupervisor(SupervisorOptions options, InstanceFolder folder)
      : options_(std::move(options)), folder_(std::move(folder)) {}
  ~VmSupervisor() {
    stop_clients();
    // The console's reader thread calls fan_out() until the mirror is gone.
    if (machine_) machine_->console().mirror_to({});
    machine_.reset();
  }
  VmSupervisor(const VmSupervisor&) = delete;
  VmSupervisor& operator=(const VmSupervisor&) = delete;

  int run();
  // After run(): the failure `vm start` waits for and the pipe to tell it on; nullopt when it
  // was told how the start went already.
  [[nodiscard]] std::optional<Json> start_failure() const { return start_failure_; }
  [[nodiscard]] int ready_fd() const { return options_.ready_fd; }

 private:
  void start_machine();
  // Fills the record from the machine just started, writes it, mirrors the console.
  void describe_machine(std::uint16_t gdb_port);
  void boot();
  void serve();
  // A client's connection, served on a thread of its own; threads of clients gone are joined.
  void accept_client(UnixListener& listener, int id);
  // The record says stopping; the machine shuts down, or is ended if a command holds it.
  void end_machine();
  void handle(int id, UniqueFd fd);
  Json dispatch(const std::string& asked, const Json& args);
  void attach_console(ControlChannel& channel, const Json& args);
  Json status();
  Json info();
  Json health();
  Json powerdown(const Json& args);
  Json stats();
  Json send(const Json& args);
  // The commands that use the machine, each in its turn (take_machine).
  Json monitor(const Json& args);
  Json pause_or_resume(bool resume);
  Json snapshot_list();
  Json expect(const Json& args);
  Json ssh_run(const Json& args);
  Json snapshot(const std::string& command, const Json& args);  // save, restore, delete
  Json reset(const Json& args);
  Json screenshot(const Json& args);
  void quit(const std::string& why);
  // A start that failed, while `vm start` still waits: its error is kept, to be told once the
  // instance folder is gone (serve_vm), so that a failed start leaves nothing when it returns.
  void keep_start_failure(const std::exception& e);
  void fan_out(std::string_view bytes);
  void request_stop(const std::string& why);
  void stop_clients();
  // The machine, for one command at a time (a boot in progress holds it).
  MachineTurn::Held take_machine(milliseconds wait = std::chrono::minutes(10));

  SupervisorOptions options_;
  InstanceFolder folder_;
  InstanceRecord record_;
  std::mutex record_mutex_;  // guards record_, boot_error_, stop_reason_ and why_qemu_ends_
  std::unique_ptr<Machine> machine_;
  MachineTurn machine_turn_;
  std::chrono::steady_clock::time_point started_;
  std::promise<void> boot_promise_;
  std::shared_future<void> boot_done_ = boot_promise_.get_future().share();
  std::string boot_error_;
  UniqueFd stop_event_{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
  std::atomic<bool> stopping_{false};
  std::string stop_reason_;
  std::string why_qemu_ends_;  // set by a command that makes QEMU end (quit, a power-down)
  // The error `vm start` is told after the folder is removed; written by the boot thread (a
  // failed boot) or by run() once no other thread is left, read after run().
  std::optional<Json> start_failure_;
  std::mutex clients_mutex_;
  std::map<int, int> client_fds_;  // connection id -> its socket, to shut them down at the end
  std::map<int, std::thread> clients_;
  std::vector<int> finished_;  // connections whose thread has ended, to be joined
  std::mutex sinks_mutex_;
  std::map<int, int> console_sinks_;  // connection id -> socket attached to the console
  std::atomic<int> next_sink_{0};
  std::thread boot_thread_;
};

MachineTurn::Held VmSupervisor::take_machine(milliseconds wait) {
  // The boot goes first, whoever asks before it has taken the machine.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  if (boot_done_.wait_until(deadline) != std::future_status::ready)
    throw TimeoutError(options_.name + ": the guest is still booting (waited " +
                       std::to_string(wait.count() / 1000) + " s)");
  MachineTurn::Held turn = machine_turn_.take_until(deadline);
  if (!turn.held())
    throw TimeoutError(options_.name + ": the machine is busy with another command (waited " +
                       std::to_string(wait.count() / 1000) + " s)");
  if (!machine_ || !machine_->running())
    throw QemuError(options_.name + ": QEMU is no longer running");
  return turn;
}

void VmSupervisor::start_machine() {
  MachineOptions mo;
  mo.accel = options_.accel;
  mo.image = options_.image;
  mo.images = options_.images;
  mo.log_dir = options_.log_dir;
  if (mo.log_dir.empty())
    mo.log_dir =
        user_cache_directory() / "vm-logs" / options_.name / wall_clock_text("%Y%m%dT%H%M%SZ");
  std::uint16_t gdb_port = 0;
  if (options_.debug) {
    // What the guest did that real hardware would refuse, as QEMU sees it.
    mo.debug_qemu_args.insert(mo.debug_qemu_args.end(), {"-d", "guest_errors,unimp", "-D",
                                                         (mo.log_dir / "qemu-debug.log").string()});
  }
  if (options_.gdb) {
    gdb_port = free_loopback_port();
    mo.debug_qemu_args.insert(mo.debug_qemu_args.end(),
                              {"-gdb", "tcp:127.0.0.1:" + std::to_string(gdb_port)});
  }
  if (options_.vnc) {
    // The first free display from :0 on, on loopback only; query-vnc says which it took.
    mo.debug_qemu_args.insert(mo.debug_qemu_args.end(), {"-vnc", "127.0.0.1:0,to=99"});
  }
  if (!options_.resume.empty()) {
    // --debug, --gdb and --vnc look at a saved machine as at any other (a failed module's,
    // under gdb): they change nothing it runs on.
    if (!options_.image.empty())
      throw ConfigError({}, "--from " + options_.resume.string() +
                                ": a saved machine starts on the disks it was saved with; "
                                "--image does not apply to it");
    const SavedMachine saved = SavedMachine::read(options_.resume);
    record_.profile = saved.machine;
    record_.image = saved.image;
    if (options_.remove_resumed) record_.owned_state = fs::absolute(options_.resume);
    started_ = std::chrono::steady_clock::now();
    machine_ = Machine::resume(options_.resume, std::move(mo));
    machine_->note("hurdle vm: resumed from " + options_.resume.string());
    describe_machine(gdb_port);
    return;
  }
  const fs::path file = find_machine_profile(options_.profile, profile_search_path({}));
  const ProfileImageOptions image = starting_profile_options(options_.image, options_.images);
  MachineProfile profile = load_machine_profile(file, {}, image);
  started_ = std::chrono::steady_clock::now();
  machine_ = Machine::start(std::move(profile), std::move(mo));
  record_.profile = options_.profile;
  record_.image = options_.image;
  describe_machine(gdb_port);
}

void VmSupervisor::describe_machine(std::uint16_t gdb_port) {
  machine_->note("hurdle vm: instance " + options_.name + ", supervisor pid " +
                 std::to_string(::getpid()) + ", control socket " +
                 folder_.control_socket().string());
  std::lock_guard lock(record_mutex_);
  record_.name = options_.name;
  record_.state = "starting";
  record_.supervisor_pid = ::getpid();
  record_.qemu_pid = machine_->process().pid();
  record_.accelerator = machine_->accelerator().accel == Accelerator::kKvm ? "kvm" : "tcg";
  record_.log_dir = fs::absolute(machine_->log_dir());
  for (const auto& nic : machine_->profile().nics)
    for (const auto& forward : nic.forwards)
      record_.ports[forward.name] = machine_->host_port(forward.name);
  if (gdb_port != 0) record_.ports["gdb"] = gdb_port;
  if (options_.vnc) {
    const Json vnc = machine_->qmp().execute("query-vnc");
    if (vnc.contains("service"))
      record_.ports["vnc"] =
          static_cast<std::uint16_t>(std::stoi(vnc["service"].get<std::string>()));
  }
  if (const auto& ssh = machine_->profile().ssh) record_.ssh_user = ssh->user;
  record_.started_at = wall_clock_text("%Y-%m-%dT%H:%M:%SZ");
  std::error_code ec;
  fs::remove(folder_.path() / "logs", ec);
  fs::create_directory_symlink(record_.log_dir, folder_.path() / "logs", ec);
  folder_.write_record(record_);
  std::cerr << "hurdle vm serve: " << options_.name << ": supervisor pid " << ::getpid()
            << ", QEMU pid " << record_.qemu_pid << ", logs in " << record_.log_dir.string()
            << std::endl;
  // Everything QEMU prints on the console goes on to every attached terminal as well.
  machine_->console().mirror_to([this](std::string_view bytes) { fan_out(bytes); });
}

void VmSupervisor::boot() {
  const MachineTurn::Held turn = machine_turn_.take();
  // However the boot ends, commands waiting for it go on (and find the machine as it is).
  struct Done {
    std::promise<void>& promise;
    ~Done() { promise.set_value(); }
  } done{boot_promise_};
  try {
    const auto& profile = machine_->profile();
    if (options_.resume.empty()) {  // a resumed machine runs on from where it was saved
      machine_->wait_for_boot();
      if (options_.login.value_or(profile.ssh.has_value())) machine_->login();
    }
    if (profile.ssh) {
      (void)machine_->ssh();
      const fs::path key = folder_.path() / "ssh-key";
      std::lock_guard record_lock(record_mutex_);
      if (machine_->save_ssh_key(key)) record_.ssh_key = key;
      record_.ssh_auth = !record_.ssh_key.empty()                    ? "key"
                         : profile.ssh->auth == SshSpec::Auth::kNone ? "none"
                         : profile.ssh->password.empty()             ? "blank-password"
                                                                     : "password";
    }
    std::lock_guard record_lock(record_mutex_);
    record_.state = "running";
    folder_.write_record(record_);
    machine_->note("hurdle vm: booted after " +
                   std::to_string(ms(std::chrono::steady_clock::now() - started_)) + " ms");
    if (options_.wait_for_boot)
      tell_ready(options_.ready_fd, {{"ok", true}, {"record", record_.to_json()}});
  } catch (const std::exception& e) {
    machine_->note(std::string("hurdle vm: the boot failed: ") + e.what());
    {
      std::lock_guard record_lock(record_mutex_);  // not held into request_stop, which takes it
      boot_error_ = e.what();
      record_.state = "boot-failed";
      folder_.write_record(record_);
    }
    if (options_.wait_for_boot) {
      keep_start_failure(e);  // told once QEMU has quit and the folder is gone
      request_stop("the boot failed");
    }
    // --no-wait: the machine stays, for a person to see why (console, screenshot, monitor)
  }
}

void VmSupervisor::keep_start_failure(const std::exception& e) {
  if (options_.ready_fd >= 0) start_failure_ = error_reply(e);
}

void VmSupervisor::request_stop(const std::string& why) {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(record_mutex_);
    stop_reason_ = why;
  }
  const std::uint64_t one = 1;
  (void)!::write(stop_event_.get(), &one, sizeof one);
}

void VmSupervisor::fan_out(std::string_view bytes) {
  std::lock_guard lock(sinks_mutex_);
  for (auto it = console_sinks_.begin(); it != console_sinks_.end();) {
    // Never wait for a terminal: one that cannot keep up loses output (the logs keep it all).
    const ssize_t n = ::send(it->second, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      it = console_sinks_.erase(it);
      continue;
    }
    ++it;
  }
}

void VmSupervisor::attach_console(ControlChannel& channel, const Json& args) {
  const int id = next_sink_++;
  channel.send({{"ok", true}, {"result", {{"attached", true}}}});
  {
    std::lock_guard lock(sinks_mutex_);
    console_sinks_[id] = channel.fd();
  }
  if (args.value("fresh_prompt", false)) machine_->console().sendline("");
  std::string typed = channel.take_pending();
  for (;;) {
    if (!typed.empty()) machine_->console().send(typed);
    const int ready = wait_readable(channel.fd(), stop_event_.get(),
                                    std::chrono::steady_clock::time_point::max());
    if (ready <= 0) break;
    char buffer[4096];
    const ssize_t n = ::recv(channel.fd(), buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    typed.assign(buffer, static_cast<std::size_t>(n));
  }
  std::lock_guard lock(sinks_mutex_);
  console_sinks_.erase(id);
}

Json VmSupervisor::status() {
  Json out;
  {
    std::lock_guard lock(record_mutex_);
    out = record_.to_json();
    if (!boot_error_.empty()) out["boot_error"] = boot_error_;
  }
  out["uptime_ms"] = ms(std::chrono::steady_clock::now() - started_);
  out["qemu_running"] = machine_ && machine_->running();
  try {
    out["run_state"] = run_state(machine_->qmp());
  } catch (const std::exception& e) {
    out["run_state"] = "unknown";
    out["qmp_error"] = e.what();
  }
  return out;
}

Json VmSupervisor::info() {
  const auto turn = take_machine();
  Json out = status();
  auto& qmp = machine_->qmp();
  out["qemu_version"] = machine_->facts().qemu_version;  // as every report says it
  out["accelerator_reason"] = machine_->accelerator().reason;
  out["cpus"] = qmp.execute("query-cpus-fast").size();
  const Json memory = qmp.execute("query-memory-size-summary");
  out["memory_bytes"] = memory.value("base-memory", std::uint64_t{0});
  Json blocks = Json::array();
  for (const auto& b : qmp.execute("query-block")) {
    Json block = {{"device", b.value("device", std::string())},
                  {"qdev", b.value("qdev", std::string())}};
    if (b.contains("inserted")) {
      const Json& inserted = b["inserted"];
      block["node"] = inserted.value("node-name", std::string());
      block["file"] = inserted.value("file", std::string());
      block["format"] = inserted.value("drv", std::string());
      block["read_only"] = inserted.value("ro", false);
    }
    blocks.push_back(block);
  }
  out["block_devices"] = blocks;
  out["snapshots"] = machine_->supports_snapshots() ? Json(machine_->snapshots()) : Json::array();
  out["argv"] = machine_->argv();
  return out;
}

Json VmSupervisor::health() {
  // Each check in order; the first that fails says what is wrong. The supervisor answers.
  const bool qemu = machine_ && machine_->running();
  bool qmp = false;
  std::string state = "unknown";
  if (qemu) {
    try {
      state = run_state(machine_->qmp());
      qmp = true;
    } catch (const std::exception&) {
      // QMP does not answer: said below
    }
  }
  bool guest = false;
  std::string guest_text = qmp ? state : "not asked";
  if (qmp && state == "running") {
    std::string vm_state;
    {
      std::lock_guard lock(record_mutex_);
      vm_state = record_.state;
    }
    const MachineTurn::Held turn =
        machine_turn_.take_until(std::chrono::steady_clock::now() + std::chrono::seconds(2));
    if (!turn.held()) {
      guest = true;  // the command in progress speaks to the guest
      guest_text = "busy (another command runs)";
    } else if (vm_state != "running") {
      guest_text = vm_state == "boot-failed" ? "boot failed" : "booting";
    } else if (machine_->profile().ssh) {
      try {
        const auto r = machine_->run("true", std::chrono::seconds(10));
        guest = r.ok();
        guest_text = "ssh round trip " + std::to_string(r.elapsed.count()) + " ms";
      } catch (const std::exception& e) {
        guest_text = std::string("ssh: ") + e.what();
      }
    } else {
      guest = true;
      guest_text = "running (no SSH to ask)";
    }
  }
  Json out = {{"ok", qemu && qmp && guest},
              {"checks", {{"supervisor", true}, {"qemu", qemu}, {"qmp", qmp}, {"guest", guest}}},
              {"run_state", state},
              {"guest", guest_text}};
  if (machine_) out["stats"] = vm_stats(machine_->process().pid(), machine_->disk_files());
  return out;
}

Json VmSupervisor::powerdown(const Json& args) {
  const milliseconds timeout = millis_arg(args, "timeout_ms", std::chrono::seconds(60));
  const auto turn = take_machine();
  const auto start = std::chrono::steady_clock::now();
  machine_->note("hurdle vm: system_powerdown (ACPI), waiting up to " +
                 std::to_string(timeout.count()) + " ms");
  {
    std::lock_guard lock(record_mutex_);
    why_qemu_ends_ = "the guest powered off";
  }
  machine_->qmp().execute("system_powerdown");
  const bool off = machine_->process().wait_for_exit(timeout);
  const auto took = ms(std::chrono::steady_clock::now() - start);
  if (off) {
    request_stop("the guest powered off");
    return {{"powered_off", true}, {"took_ms", took}};
  }
  {
    std::lock_guard lock(record_mutex_);
    why_qemu_ends_.clear();  // it did not: whatever ends QEMU later is something else
  }
  return {{"powered_off", false}, {"took_ms", took}};
}

void VmSupervisor::quit(const std::string& why) {
  // Not after the command in progress (a long ssh_run, a boot): a person who says quit means
  // now, and what runs ends with QEMU. QMP takes commands from any thread.
  if (!machine_ || !machine_->running()) throw QemuError(options_.name + ": QEMU is not running");
  {
    // The serve loop may see QEMU end before this thread is back: it says why from this.
    std::lock_guard lock(record_mutex_);
    why_qemu_ends_ = why;
  }
  machine_->quit_qemu("hurdle vm: " + why);
  request_stop(why);
}

namespace {

// The supervisor's commands, keyed by the protocol's names (control_commands.hpp); `console`
// is not one: it turns the connection into the console (handle()).
using Handler = Json (*)(VmSupervisor& s, const Json& args);
struct CommandEntry {
  const char* name;
  Handler handler;
};

// Two commands' older names, still answered.
constexpr std::pair<const char*, const char*> kOlderNames[] = {
    {"snapshot_create", control::kSnapshotSave}, {"snapshot_load", control::kSnapshotRestore}};

}  // namespace

Json VmSupervisor::dispatch(const std::string& asked, const Json& args) {
  static const CommandEntry kTable[] = {
      {control::kStatus, [](VmSupervisor& s, const Json&) { return s.status(); }},
      {control::kInfo, [](VmSupervisor& s, const Json&) { return s.info(); }},
      {control::kHealth, [](VmSupervisor& s, const Json&) { return s.health(); }},
      {control::kStats, [](VmSupervisor& s, const Json&) { return s.stats(); }},
      {control::kQuit,
       [](VmSupervisor& s, const Json&) {
         s.quit("asked to quit");
         return Json{{"stopped", true}};
       }},
      {control::kPowerdown, [](VmSupervisor& s, const Json& a) { return s.powerdown(a); }},
      {control::kMonitor, [](VmSupervisor& s, const Json& a) { return s.monitor(a); }},
      {control::kSend, [](VmSupervisor& s, const Json& a) { return s.send(a); }},
      {control::kPause, [](VmSupervisor& s, const Json&) { return s.pause_or_resume(false); }},
      {control::kResume, [](VmSupervisor& s, const Json&) { return s.pause_or_resume(true); }},
      {control::kExpect, [](VmSupervisor& s, const Json& a) { return s.expect(a); }},
      {control::kSshRun, [](VmSupervisor& s, const Json& a) { return s.ssh_run(a); }},
      {control::kSnapshotList, [](VmSupervisor& s, const Json&) { return s.snapshot_list(); }},
      {control::kSnapshotSave,
       [](VmSupervisor& s, const Json& a) { return s.snapshot(control::kSnapshotSave, a); }},
      {control::kSnapshotRestore,
       [](VmSupervisor& s, const Json& a) { return s.snapshot(control::kSnapshotRestore, a); }},
      {control::kSnapshotDelete,
       [](VmSupervisor& s, const Json& a) { return s.snapshot(control::kSnapshotDelete, a); }},
      {control::kReset, [](VmSupervisor& s, const Json& a) { return s.reset(a); }},
      {control::kScreenshot, [](VmSupervisor& s, const Json& a) { return s.screenshot(a); }},
  };
  // Every name of the protocol but `console` has its entry (console: handle() takes it).
  static_assert(std::size(kTable) + 1 == control::kAll.size(),
                "a command of control_commands.hpp has no entry in the supervisor's table");
  std::string command = asked;
  for (const auto& [older, name] : kOlderNames)
    if (asked == older) command = name;
  for (const auto& entry : kTable)
    if (command == entry.name) return entry.handler(*this, args);
  std::string known;
  for (const char* name : control::kAll) known += (known.empty() ? "" : ", ") + std::string(name);
  throw ConfigError({}, "unknown command '" + command + "' (" + known + ")");
}

Json VmSupervisor::stats() { return vm_stats(machine_->process().pid(), machine_->disk_files()); }

Json VmSupervisor::monitor(const Json& args) {
  const std::string line = string_arg(args, "line");
  const auto turn = take_machine(std::chrono::seconds(30));
  return {{"output", machine_->qmp().human(line)}};
}

Json VmSupervisor::send(const Json& args) {
  const std::string text = string_arg(args, "text");
  if (args.value("newline", true))
    machine_->console().sendline(text);
  else
    machine_->console().send(text);
  return {{"sent", text.size()}};
}

Json VmSupervisor::pause_or_resume(bool resume) {
  const auto turn = take_machine();
  machine_->qmp().execute(resume ? "cont" : "stop");
  return {{"run_state", run_state(machine_->qmp())}};
}

Json VmSupervisor::snapshot_list() {
  const auto turn = take_machine();
  if (!machine_->supports_snapshots()) return Json::array();
  return machine_->snapshots();
}

Json VmSupervisor::expect(const Json& args) {
  const std::string pattern = string_arg(args, "pattern");
  const milliseconds timeout = millis_arg(args, "timeout_ms", std::chrono::seconds(30));
  const auto turn = take_machine();
  const ExpectMatch m = machine_->console().expect(pattern, timeout);
  return {{"text", m.text}, {"before", m.before}};
}

Json VmSupervisor::ssh_run(const Json& args) {
  const std::string cmd = string_arg(args, "command");
  const auto turn = take_machine();
  const std::optional<milliseconds> timeout =
      args.contains("timeout_ms") ? std::optional(millis_arg(args, "timeout_ms", {}))
                                  : std::nullopt;
  // Over SSH, as its name says: Machine::run would take a console-only guest's console.
  const CommandResult r = machine_->run_over_ssh(cmd, timeout);
  return {{"exit_status", r.exit_status},
          {"signal", r.signal},
          {"stdout", r.out},
          {"stderr", r.err},
          {"elapsed_ms", r.elapsed.count()}};
}

Json VmSupervisor::snapshot(const std::string& command, const Json& args) {
  const std::string tag = string_arg(args, "tag");
  const auto turn = take_machine();
  if (command == control::kSnapshotSave) {
    const auto took = machine_->snapshot(tag);
    return {{"tag", tag}, {"took_ms", took.count()}};
  }
  if (command == control::kSnapshotDelete) {
    machine_->delete_snapshot(tag);
    return {{"tag", tag}, {"deleted", true}};
  }
  const RestoreReport r = machine_->restore(tag);
  return {{"tag", tag},
          {"load_ms", r.load.count()},
          {"verify_ms", r.verify.count()},
          {"verified_by", r.verified_by}};
}

Json VmSupervisor::reset(const Json& args) {
  const auto turn = take_machine();
  if (!args.value("wait", true)) {
    machine_->qmp().execute("system_reset");
    return {{"waited", false}};
  }
  Json markers = Json::array();
  for (const auto& m : machine_->reboot(true))
    markers.push_back({{"name", m.name}, {"after_ms", m.after.count()}});
  return {{"waited", true}, {"boot_markers", markers}};
}

Json VmSupervisor::screenshot(const Json& args) {
  const auto turn = take_machine();
  const fs::path png = args.contains("path") ? fs::path(string_arg(args, "path"))
                                             : folder_.path() / "screenshot.png";
  machine_->screenshot(png);
  return {{"path", fs::absolute(png).string()}};
}

void VmSupervisor::handle(int id, UniqueFd fd) {
  ControlChannel channel(std::move(fd));
  try {
    for (;;) {
      const auto request = channel.receive(std::chrono::steady_clock::time_point::max());
      if (!request) break;
      const std::string command = request->value("command", std::string());
      const Json args = request->value("args", Json::object());
      if (command == control::kConsole) {
        if (!machine_) throw QemuError("no machine");
        attach_console(channel, args);
        break;
      }
      Json reply;
      try {
        reply = {{"ok", true}, {"result", dispatch(command, args)}};
      } catch (const std::exception& e) {
        reply = error_reply(e);
      }
      channel.send(reply);
    }
  } catch (const std::exception& e) {
    // a client that sent garbage or went away: its connection ends, the VM goes on
    try {
      channel.send(error_reply(e));
    } catch (const std::exception&) {
    }
  }
  std::lock_guard lock(clients_mutex_);
  client_fds_.erase(id);
  finished_.push_back(id);
}

void VmSupervisor::stop_clients() {
  {
    std::lock_guard lock(clients_mutex_);
    // No more requests, but the replies in progress still go out: `quit` ends QEMU, and this
    // loop can see it end before the client's thread has answered the quit itself.
    for (const auto& [id, fd] : client_fds_) ::shutdown(fd, SHUT_RD);
  }
  for (auto& [id, t] : clients_)
    if (t.joinable()) t.join();
  clients_.clear();
  if (boot_thread_.joinable()) boot_thread_.join();
}

void VmSupervisor::serve() {
  const sigset_t signals = stop_signals();
  UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
  UnixListener listener(folder_.control_socket());
  ::chmod(folder_.control_socket().c_str(), 0600);
  boot_thread_ = std::thread([this] { boot(); });
  if (!options_.wait_for_boot) {
    std::lock_guard lock(record_mutex_);
    tell_ready(options_.ready_fd, {{"ok", true}, {"record", record_.to_json()}});
  }
  int next_id = 0;
  while (!stopping_) {
    pollfd fds[4] = {{listener.fd(), POLLIN, 0},
                     {machine_->process().exit_fd(), POLLIN, 0},
                     {signal_fd.get(), POLLIN, 0},
                     {stop_event_.get(), POLLIN, 0}};
    if (::poll(fds, 4, -1) < 0) {
      if (errno == EINTR) continue;
      throw HostError(std::string("poll: ") + std::strerror(errno));
    }
    if (fds[1].revents != 0) {
      machine_->note("hurdle vm: QEMU " + machine_->process().exit_description());
      std::string why;
      {
        std::lock_guard lock(record_mutex_);
        why = why_qemu_ends_.empty() ? "QEMU ended" : why_qemu_ends_;
      }
      request_stop(why);
      break;
    }
    if (fds[2].revents != 0) {
      signalfd_siginfo info{};
      (void)!::read(signal_fd.get(), &info, sizeof info);
      machine_->note("hurdle vm: signal " + std::to_string(info.ssi_signo) + ": stopping");
      request_stop("signal");
      break;
    }
    if (fds[3].revents != 0) break;
    if (fds[0].revents != 0) accept_client(listener, next_id++);
  }
  end_machine();
  stop_clients();
}

void VmSupervisor::accept_client(UnixListener& listener, int id) {
  UniqueFd conn = listener.accept_now();
  std::vector<std::thread> ended;
  {
    std::lock_guard lock(clients_mutex_);
    client_fds_[id] = conn.get();
    for (const int done : finished_) {
      ended.push_back(std::move(clients_[done]));
      clients_.erase(done);
    }
    finished_.clear();
    clients_[id] =
        std::thread([this, id, c = std::move(conn)]() mutable { handle(id, std::move(c)); });
  }
  for (auto& t : ended) t.join();
}

void VmSupervisor::end_machine() {
  {
    std::lock_guard lock(record_mutex_);
    record_.state = "stopping";
    folder_.write_record(record_);
  }
  // Whatever runs in the guest is cut short: the clients' commands end with the machine.
  if (!machine_->running()) return;
  const MachineTurn::Held turn =
      machine_turn_.take_until(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  bool boot_failed = false;
  {
    std::lock_guard lock(record_mutex_);
    boot_failed = !boot_error_.empty();
  }
  if (!turn.held())
    machine_->crash();
  else if (boot_failed)  // nothing of it to keep: no clean power-off to wait out
    machine_->quit_qemu("the boot failed");
  else
    machine_->shutdown();
}

int VmSupervisor::run() {
  // Before any thread exists: the signals are taken by the serve loop's signalfd.
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  try {
    start_machine();
  } catch (const std::exception& e) {
    std::cerr << "hurdle vm serve: " << e.what() << std::endl;
    keep_start_failure(e);
    return dynamic_cast<const ConfigError*>(&e) != nullptr ? 2 : 1;
  }
  try {
    serve();
  } catch (const std::exception& e) {
    std::cerr << "hurdle vm serve: " << e.what() << std::endl;
    if (machine_) machine_->crash();
    stop_clients();  // the boot thread too: only then is the start's failure this thread's alone
    keep_start_failure(e);
    return 1;
  }
  std::lock_guard lock(record_mutex_);
  std::cerr << "hurdle vm serve: stopped (" << stop_reason_ << ")" << std::endl;
  return boot_error_.empty() || !options_.wait_for_boot ? 0 : 1;
}

}  // namespace

int serve_vm(const SupervisorOptions& options) {
  const InstanceFolder folder = InstanceFolder::named(options.name);
  std::optional<FileLock> lock = folder.claim();
  if (!lock) {
    const ConfigError e(
        {}, "a VM named " + options.name + " is running already (" + folder.path().string() + ")");
    std::cerr << "hurdle vm serve: " << e.what() << std::endl;
    int ready_fd = options.ready_fd;
    tell_ready(ready_fd, error_reply(e));
    return 2;
  }
  int status = 0;
  std::optional<Json> start_failure;
  int ready_fd = -1;
  {
    VmSupervisor supervisor(options, folder);
    status = supervisor.run();
    start_failure = supervisor.start_failure();
    ready_fd = supervisor.ready_fd();
  }
  // The folder goes with the supervisor; the machine's logs stay (the record named them), its
  // own log with them.
  folder.remove(*lock);  // with it the saved machine the VM owned, if any
  if (start_failure) tell_ready(ready_fd, *start_failure);
  return status;
}

}  // namespace hurdle
