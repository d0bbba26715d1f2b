#include "machine/machine.hpp"

#include <sys/statvfs.h>

#include <algorithm>

#include <cstdio>
#include <cstdlib>

#include "console/console_command.hpp"
#include "core/atomic_file.hpp"
#include "core/backoff.hpp"
#include "core/cache_directory.hpp"
#include "core/digest.hpp"
#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/shell_quote.hpp"
#include "core/unix_socket.hpp"
#include "core/wall_clock.hpp"
#include "machine/machine_template.hpp"
#include "machine/migration.hpp"
#include "qemu/disk_overlay.hpp"
#include "qemu/host_port.hpp"
#include "qemu/image_digest.hpp"
#include "qemu/qemu_command.hpp"
#include "ssh/owned_key.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

fs::path make_log_dir(const std::string& name) {
  const fs::path base = fs::temp_directory_path() / "hurdle-logs";
  fs::create_directories(base);
  std::string tmpl = (base / (name + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw HostError("cannot create a log folder under " + base.string());
  return tmpl;
}

// The end of what the console printed, for an error.
std::string console_end(const SerialConsole& console) {
  const std::string tail = console.tail(1024);
  if (tail.empty()) return "; the console printed nothing";
  return "; the console ends with:\n" + tail;
}

}  // namespace

std::unique_ptr<Machine> Machine::from_profile(const std::string& name_or_path,
                                               MachineOptions options) {
  const fs::path file =
      find_machine_profile(name_or_path, profile_search_path(options.profile_path));
  const ProfileImageOptions image = starting_profile_options(options.image, options.images);
  // Loaded before `options` is moved: the order in which a call's arguments are evaluated is
  // the compiler's (g++ takes them from the right, and passed the variables moved-from).
  MachineProfile profile = load_machine_profile(file, options.variables, image);
  return start(std::move(profile), std::move(options));
}

std::unique_ptr<Machine> Machine::start(MachineProfile profile, MachineOptions options) {
  std::unique_ptr<Machine> m(new Machine(std::move(profile), std::move(options)));
  m->launch();
  return m;
}

Machine::Machine(MachineProfile profile, MachineOptions options)
    : profile_(std::move(profile)),
      options_(std::move(options)),
      shell_(profile_.console_commands) {
  profile_.extra_args.insert(profile_.extra_args.end(), options_.debug_qemu_args.begin(),
                             options_.debug_qemu_args.end());
  log_dir_ = options_.log_dir.empty() ? make_log_dir(profile_.name) : options_.log_dir;
  fs::create_directories(log_dir_);
  machine_log_ = std::make_unique<LogFile>(log_dir_ / "machine.log", LogFile::Stamp::kElapsed);
  for (const auto& secret : options_.secrets) machine_log_->add_secret(secret);
  run_dir_ = std::make_unique<PrivateFolder>(profile_.name);
  if (!options_.template_ram.empty()) ram_ = RamFile{options_.template_ram, true};
  GuestSshOptions ssh;
  ssh.machine = profile_.name;
  ssh.host_key_file = run_dir() / "ssh-host-key";
  ssh.log_file = log_dir_ / "ssh.log";
  ssh.owned_key_cache = owned_key_cache();
  ssh.secrets = options_.secrets;
  ssh.link = [this] {
    return GuestSshLink{host_port(profile_.ssh->forward), qemu_->process().exit_fd(),
                        [this] { throw_if_exited(std::chrono::milliseconds(0)); }};
  };
  ssh.note = [this](const std::string& line) { note(line); };
  ssh_ = std::make_unique<GuestSsh>(profile_.ssh, std::move(ssh));
}

void Machine::note(const std::string& line) { machine_log_->write(line); }

fs::path Machine::work_dir() const {
  if (work_dir_) return work_dir_->path();
  return work_directory(options_.work_dir);
}

void Machine::make_work_dir() {
  const bool overlays =
      std::any_of(profile_.disks.begin(), profile_.disks.end(),
                  [](const auto& d) { return d.mode == DiskSpec::Mode::kOverlay; });
  if (!overlays || work_dir_) return;
  const fs::path base = work_dir();
  work_dir_ = std::make_unique<PrivateFolder>(profile_.name, base);
  // Each snapshot keeps a copy of the guest's RAM in the overlay, and the guest writes to it:
  // at least the RAM and 256 MiB more must fit, or the run would die half-way on a full disk.
  struct statvfs fs_info {};
  if (::statvfs(work_dir_->path().c_str(), &fs_info) != 0) return;
  const std::uint64_t free_mib =
      static_cast<std::uint64_t>(fs_info.f_bavail) * fs_info.f_frsize / (1024 * 1024);
  const std::uint64_t need_mib = profile_.memory_mib + 256;
  if (free_mib < need_mib) {
    const std::string where = work_dir_->path().parent_path().string();
    work_dir_.reset();
    throw QemuError(profile_.name + ": the work folder " + where + " has " +
                    std::to_string(free_mib) + " MiB free; a machine with " +
                    std::to_string(profile_.memory_mib) + " MiB of RAM needs at least " +
                    std::to_string(need_mib) +
                    " MiB there (its snapshots hold the RAM): free some space, or set "
                    "HURDLE_WORK_DIR to a folder with room");
  }
  note("disk overlays in " + work_dir_->path().string() + " (" + std::to_string(free_mib) +
       " MiB free)");
}

MachineFacts Machine::facts() { return {qmp().qemu_version(), accel_, profile_, cache_dir()}; }

std::filesystem::path Machine::cache_dir() const { return cache_directory(options_.cache_dir); }

void Machine::launch() {
  accel_ = choose_machine_accelerator(profile_, options_.accel, cache_dir());
  note("accelerator: " + accel_.reason);
  make_work_dir();
  make_disks();
  start_qemu(false);
}

void Machine::make_disks() {
  DiskFiles made =
      make_disk_files(profile_, work_dir_ ? work_dir_->path() : fs::path(), disk_starts_);
  disk_files_ = std::move(made.files);
  disk_backing_ = std::move(made.backing);
}

void Machine::start_qemu(bool same_ports) {
  QemuLaunch launch;
  launch.accel = accel_.accel;
  launch.disk_files = disk_files_;
  launch.disk_backing = disk_backing_;
  launch.ram = ram_;
  // A resume or a clone: QEMU waits for the saved state, which load_incoming_state() sends it
  // through QMP (so that its progress comes as events). Not on a later power-on.
  if (incoming_ && state_ != MachineState::kPoweredOff) launch.extra_args = {"-incoming", "defer"};
  QemuInstanceOptions o;
  o.run_dir = run_dir();
  o.log_dir = log_dir_;
  o.start_timeout = options_.start_timeout;
  o.secrets = options_.secrets;
  o.keep_running_after_panic = options_.keep_running_after_panic;
  // After power_off(), a closed console says so; while a new QEMU starts (qemu_ is unset
  // then), how that QEMU ended says more.
  o.on_closed = [this] {
    if (state_ == MachineState::kPoweredOff && qemu_) throw_if_exited();
  };
  o.on_event = [this](QemuInstance& q, const QmpClient::Json& event) { on_qmp_event(q, event); };
  const std::map<std::string, std::uint16_t> ports =
      same_ports && qemu_ ? qemu_->host_ports() : std::map<std::string, std::uint16_t>();
  qemu_.reset();
  qemu_ = QemuInstance::launch(profile_, std::move(launch), ports, std::move(o), *machine_log_);
  started_at_ = qemu_->started_at();
  const std::vector<std::string> writable = snapshot_disks(profile_);
  snapshots_ = std::make_unique<SnapshotStore>(qemu_->qmp(), writable,
                                               writable.empty() ? "" : writable.front(),
                                               [this](const std::string& line) { note(line); });
}

Machine::~Machine() {
  if (qemu_) {
    // A clone's disks are thrown away: nothing needs the guest to stop cleanly. A background
    // reconnect gives up once QEMU is gone.
    if (throwaway_ || ssh_->reconnecting()) qemu_->process().kill();
  }
  ssh_.reset();  // waits for the reconnect; closes the session while the guest can hear it
  try {
    // Overlays and read-only disks go away with the machine: nothing the guest would write
    // on its way down is kept, so it is not asked (a guest that ignores ACPI's power button,
    // as the Hurd does, would hold the run up for the whole shutdown time-out).
    const bool kept =
        std::any_of(profile_.disks.begin(), profile_.disks.end(),
                    [](const DiskSpec& d) { return d.mode == DiskSpec::Mode::kDirect; });
    if (running()) {
      if (kept)
        shutdown();
      else
        quit_qemu("the machine is discarded and keeps no disk");
    }
  } catch (...) {
    // A destructor must not throw; QemuInstance's destructor kills whatever is left.
  }
  snapshots_.reset();
  qemu_.reset();
}

std::uint16_t Machine::host_port(const std::string& forward) const {
  if (qemu_) {
    const auto& ports = qemu_->host_ports();
    if (const auto it = ports.find(forward); it != ports.end()) return it->second;
  }
  throw ConfigError({profile_.source, 0, 0},
                    "the profile forwards no port named '" + forward + "'");
}

void Machine::throw_if_exited(std::chrono::milliseconds grace) {
  if (state_ == MachineState::kPoweredOff || state_ == MachineState::kTemplated || !qemu_)
    require({MachineState::kRunning, MachineState::kBootStalled}, "go on");
  qemu_->throw_if_exited(grace);
}

fs::path Machine::disk_folder(const std::string& node_name) const {
  for (const auto& d : profile_.disks) {
    if (d.node_name != node_name) continue;
    if (d.mode == DiskSpec::Mode::kOverlay && work_dir_) return work_dir_->path().parent_path();
    return d.file.parent_path();
  }
  return work_dir_ ? work_dir_->path().parent_path() : fs::path();
}

void Machine::on_qmp_event(QemuInstance& qemu, const QmpClient::Json& event) {
  if (event.value("event", "") != "BLOCK_IO_ERROR") return;
  const QmpClient::Json data = event.value("data", QmpClient::Json::object());
  if (!data.is_object() || !data.value("nospace", false)) return;
  {
    std::lock_guard lock(log_mutex_);
    if (out_of_space_) return;  // QEMU reports each failed request; one explanation is enough
  }
  const std::string node = data.value("node-name", std::string());
  const std::string device = data.value("device", std::string());
  const std::string disk = !node.empty() ? node : !device.empty() ? device : "?";
  const fs::path folder = disk_folder(node);
  std::string room;
  struct statvfs fs_info {};
  if (!folder.empty() && ::statvfs(folder.c_str(), &fs_info) == 0) {
    const std::uint64_t free_mib =
        static_cast<std::uint64_t>(fs_info.f_bavail) * fs_info.f_frsize / (1024 * 1024);
    room = " (" + std::to_string(free_mib) + " MiB free)";
  }
  const std::string why =
      "the disk '" + disk + "' ran out of space: the folder " +
      (folder.empty() ? std::string("holding its file") : folder.string()) + " is full" + room +
      ", and QEMU paused the guest. Free some space there, or set HURDLE_WORK_DIR to a folder "
      "with room";
  {
    std::lock_guard lock(log_mutex_);
    out_of_space_ = why;
  }
  if (options_.keep_running_after_panic) {
    note(why + "; QEMU is kept running (paused) as asked");
    return;
  }
  qemu.stop(why);
}

std::optional<std::string> Machine::out_of_space() const {
  std::lock_guard lock(log_mutex_);
  return out_of_space_;
}

std::vector<BootMarkerTime> Machine::wait_for_boot(
    std::optional<std::chrono::milliseconds> timeout) {
  std::vector<BootMarkerTime> times;
  const auto deadline = started_at_ + timeout.value_or(profile_.timeouts.boot);
  for (const auto& marker : profile_.boot_markers) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    try {
      console().expect(marker.pattern, std::max(left, std::chrono::milliseconds(0)));
    } catch (const TimeoutError& e) {
      state_ = MachineState::kBootStalled;
      throw TimeoutError(describe_boot_stall(marker.name, e.what()));
    }
    const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_at_);
    note("boot marker '" + marker.name + "' after " + seconds_text(after));
    times.push_back({marker.name, after});
  }
  return times;
}

std::string Machine::describe_boot_stall(const std::string& marker, const std::string& waited) {
  std::string text = waited;
  const std::uint64_t bytes = console().bytes_received();
  const fs::path png = log_dir_ / "boot-timeout.png";
  std::string picture;
  try {
    screenshot(png);
    picture = "the screen at that moment: " + png.string();
  } catch (const std::exception& e) {
    picture = std::string("no screenshot (") + e.what() + ")";
  }
  note("boot marker '" + marker + "' did not come; " + picture);
  if (bytes == 0) {
    text +=
        "\nThe serial console printed nothing at all: this guest's console is probably on "
        "the screen only (Debian's Hurd images are, until hurdle prepares them with "
        "console=com0: is the disk a prepared one?).";
  } else {
    text += "\nThe serial console printed " + std::to_string(bytes) + " bytes (console.txt).";
  }
  return text + "\n" + picture;
}

void Machine::shutdown(std::optional<std::chrono::milliseconds> timeout) {
  if (!running()) return;
  // A guest that panicked, or never finished booting, cannot power itself off: go straight to
  // quit instead of waiting out the shutdown time-out.
  if (const auto hit = console().watcher_hit())
    return quit_qemu("shutdown: the guest showed " + hit->name);
  if (state_ == MachineState::kBootStalled)
    return quit_qemu("shutdown: the guest never finished booting");
  if (!qemu_->power_down(timeout.value_or(profile_.timeouts.shutdown)))
    quit_qemu("the guest did not power off");
}

void Machine::quit_qemu(const std::string& why) {
  if (qemu_) qemu_->quit(why);
}

void Machine::crash() {
  note("crash: SIGKILL to QEMU");
  if (qemu_) qemu_->process().kill();
}

void Machine::login(std::optional<std::string> user, std::optional<std::string> password) {
  require({MachineState::kRunning, MachineState::kBootStalled}, "log in on the console");
  const std::string name = user.value_or(profile_.login.user);
  const auto start = std::chrono::steady_clock::now();
  shell_.login(console(), profile_.login, profile_.name, name,
               password.value_or(profile_.login.password), profile_.timeouts.command);
  note("logged in on the console as " + name + " after " +
       seconds_text(std::chrono::steady_clock::now() - start));
  if (profile_.ssh && profile_.ssh->user == name && !ssh_->key_installed()) install_ssh_key();
}

fs::path Machine::owned_key_cache() const { return cache_directory(options_.images.cache_dir); }

void Machine::install_ssh_key() {
  const auto key = ssh_->key_to_install();
  if (!key) return;  // a password, or the profile's own key: nothing of hurdle's to install
  // The home folder of the logged-in user; the key line holds no quote characters.
  shell_.type(console(),
              "mkdir -p ~/.ssh && chmod 700 ~/.ssh && { grep -qxF '" + key->line +
                  "' ~/.ssh/authorized_keys 2>/dev/null || echo '" + key->line +
                  "' >> ~/.ssh/authorized_keys; } && chmod 600 ~/.ssh/authorized_keys && "
                  "echo hurdle-key-$((40+2))",
              "hurdle-key-42", profile_.timeouts.command);
  ssh_->set_key_installed(true);
  note("installed " + key->which + " for " + profile_.ssh->user + " over the console");
}

SshClient& Machine::ssh_client() {
  require({MachineState::kRunning, MachineState::kBootStalled}, "reach its guest over SSH");
  if (!qemu_) throw_if_exited();  // a power-on that failed left no QEMU
  if (!profile_.ssh) {
    throw ConfigError(
        {profile_.source, 0, 0},
        "machine " + profile_.name + " has no SSH: add an `ssh:` section and a NIC forward for it");
  }
  return ssh_->client();
}

SshClient& Machine::ssh() {
  ssh_->wait_for_reconnect();
  ssh_client();  // the checks, before a connection is tried
  return ssh_->connect();
}

CommandResult Machine::execute(const std::string& command, const ExecuteOptions& how) {
  const auto timeout = command_timeout(how.timeout);
  using Over = ExecuteOptions::Over;
  if (how.over == Over::kSsh || how.over == Over::kSshOrChannel) {
    // What was asked for is SSH: its checks and its words, whichever way the command goes.
    require({MachineState::kRunning, MachineState::kBootStalled}, "reach its guest over SSH");
    if (!profile_.ssh) ssh_client();  // its ConfigError
  }
  if (CommandChannel* channel = channel_for(how.over, how.live != nullptr))
    return execute_on_channel(*channel, command, timeout);
  if (how.over == Over::kChannel) {
    throw ConfigError({profile_.source, 0, 0},
                      "machine " + profile_.name +
                          (profile_.command_channel
                               ? " has no command channel that answers (channel.log says why)"
                               : " has no command channel: add a `command_channel:` section"));
  }
  if (how.over == Over::kConsole || (how.over == Over::kAuto && !profile_.ssh))
    return execute_on_console(command, timeout, how.over == Over::kAuto);
  ssh_client();  // the checks: the profile has SSH, the machine runs
  CommandResult result = ssh_->for_command().run(command, timeout, how.live);
  result.over = "ssh";
  return result;
}

CommandChannel* Machine::channel_for(ExecuteOptions::Over over, bool live) {
  using Over = ExecuteOptions::Over;
  if (!profile_.command_channel || live || !qemu_) return nullptr;
  if (over != Over::kAuto && over != Over::kSshOrChannel && over != Over::kChannel) return nullptr;
  // Another user's commands go where that user is.
  if (over != Over::kChannel && profile_.ssh &&
      profile_.ssh->user != profile_.command_channel->user)
    return nullptr;
  require({MachineState::kRunning, MachineState::kBootStalled}, "run a command in its guest");
  if (!channel_answers_now()) return nullptr;
  return qemu_->channel();
}

CommandResult Machine::execute_on_channel(CommandChannel& channel, const std::string& command,
                                          std::chrono::milliseconds timeout) {
  throw_if_exited(std::chrono::milliseconds(0));
  const auto start = std::chrono::steady_clock::now();
  ChannelResult on_channel = channel.run(command, timeout);
  CommandResult result;
  result.command = command;
  result.exit_status = on_channel.exit_status;
  result.out = std::move(on_channel.out);
  result.err = std::move(on_channel.err);
  result.out_bytes = on_channel.out_bytes;
  result.err_bytes = on_channel.err_bytes;
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  result.over = "channel";
  return result;
}

CommandResult Machine::execute_on_console(const std::string& command,
                                          std::chrono::milliseconds timeout, bool log_in) {
  require({MachineState::kRunning, MachineState::kBootStalled}, "run a command on its console");
  throw_if_exited(std::chrono::milliseconds(0));
  if (log_in && !shell_.logged_in()) login();
  const ConsoleCommandResult on_console = shell_.run(console(), command, timeout);
  CommandResult result;
  result.command = command;
  result.exit_status = on_console.exit_status;
  result.out = on_console.output;
  result.out_bytes = on_console.output.size();
  result.elapsed = on_console.elapsed;
  result.over = "console";
  return result;
}

std::string Machine::succeed(const std::string& command,
                             std::optional<std::chrono::milliseconds> timeout) {
  auto result = run(command, timeout);
  if (!result.ok()) throw CommandFailed(profile_.name, "status 0", std::move(result));
  return std::move(result.out);
}

CommandResult Machine::fail(const std::string& command,
                            std::optional<std::chrono::milliseconds> timeout) {
  auto result = run(command, timeout);
  if (result.ok()) throw CommandFailed(profile_.name, "a non-zero status", std::move(result));
  return result;
}

std::string Machine::wait_until_succeeds(const std::string& command,
                                         std::chrono::milliseconds timeout,
                                         std::optional<std::chrono::milliseconds> interval) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  // A fixed interval when given, else a back-off from 0.2 s to 2 s.
  Backoff backoff = interval ? Backoff(*interval, *interval)
                             : Backoff(std::chrono::milliseconds(200), std::chrono::seconds(2));
  std::string last;
  for (int attempt = 1;; ++attempt) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    try {
      auto result = run(command, std::max(left, std::chrono::milliseconds(1000)));
      if (result.ok()) return std::move(result.out);
      last = result.describe();
    } catch (const TimeoutError& e) {
      last = e.what();
    } catch (const SshError& e) {
      last = e.what();
    }
    const auto pause = backoff.next();
    if (Clock::now() + pause >= deadline) {
      throw TimeoutError(profile_.name + ": `" + command + "` did not succeed within " +
                         seconds_text(timeout) + " (" + std::to_string(attempt) +
                         " attempts); the last one: " + last);
    }
    // Back off, but stop at once if QEMU exits meanwhile.
    if (wait_readable(qemu_->process().exit_fd(), -1, Clock::now() + pause) > 0) throw_if_exited();
  }
}

void Machine::put(const std::filesystem::path& local, const std::string& remote,
                  std::optional<std::chrono::milliseconds> timeout,
                  const std::vector<std::string>& exclude) {
  ssh_client().put(local, remote, command_timeout(timeout), exclude);
}

void Machine::get(const std::string& remote, const std::filesystem::path& local,
                  std::optional<std::chrono::milliseconds> timeout, std::uint64_t max_bytes) {
  ssh_client().get(remote, local, command_timeout(timeout), max_bytes);
}

std::chrono::milliseconds Machine::snapshot(const std::string& tag) {
  require({MachineState::kRunning, MachineState::kBootStalled}, "save snapshot " + tag);
  SnapshotState state;
  ssh_->wait_for_reconnect();  // whether SSH answers is part of what the snapshot holds
  state.host_key = pinned_host_key();
  state.key_installed = ssh_->key_installed();
  state.console_at_prompt = shell_.at_prompt(console());
  state.console_logged_in = shell_.logged_in();
  state.ssh_answered = ssh_->answering();
  state.channel_answered = channel_answers_now();
  const auto took = snapshots_->save(tag);
  snapshot_states_[tag] = state;
  return took;
}

RestoreReport Machine::restore(const std::string& tag) {
  using Clock = std::chrono::steady_clock;
  RestoreReport report;
  report.tag = tag;
  const auto start = Clock::now();
  ssh_->forget_reconnect();  // the last restore's reconnect is over
  // The snapshots are in the disks, which a power-off keeps: a QEMU on them can load one.
  require({MachineState::kRunning, MachineState::kBootStalled, MachineState::kStopped,
           MachineState::kPoweredOff},
          "restore snapshot " + tag);
  if (state_ == MachineState::kPoweredOff) relaunch("to load snapshot " + tag);
  ssh_->disconnect("restoring snapshot " + tag);
  report.load = snapshots_->restore(tag);
  console().discard_pending_output();  // output from before the restore describes nothing now
  console().clear_watcher_hit();
  const auto state = snapshot_states_.find(tag);
  const auto verify_start = Clock::now();
  const bool known = state != snapshot_states_.end();
  if (known) {
    ssh_->set_key_installed(state->second.key_installed);
    if (SshClient* client = ssh_->existing())
      client->host_key_pin().reset_to(state->second.host_key);
  }
  shell_.restore(console(), known && state->second.console_at_prompt,
                 known && state->second.console_logged_in);
  report.verified_by =
      prove_alive(known && state->second.ssh_answered, known && state->second.channel_answered,
                  start, "loading snapshot '" + tag + "'");
  report.verify =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - verify_start);
  note("restored " + tag + ": load " + seconds_text(report.load) + ", " + report.verified_by + " " +
       seconds_text(report.verify) + " (console ready)");
  last_restore_ = report;
  return report;
}

bool Machine::channel_answers_now() {
  CommandChannel* channel = qemu_ ? qemu_->channel() : nullptr;
  if (!channel || !channel->usable()) return false;
  if (channel->proven() || channel->answers(std::chrono::seconds(10))) return true;
  note("the command channel did not answer (channel.log): commands go over SSH or the console");
  return false;
}

std::string Machine::prove_alive(bool ssh_answered, bool channel_answered,
                                 std::chrono::steady_clock::time_point since,
                                 const std::string& after) {
  // The channel's shell first, when it answered then: a round trip with no handshake. SSH
  // then reconnects when a command needs it, not in the background (where it would take the
  // guest's time from the scenario's first commands).
  if (CommandChannel* channel = qemu_->channel()) {
    channel->forget();
    if (channel_answered && channel->answers(profile_.timeouts.command, true))
      return "channel round trip";
  }
  if (shell_.prove_alive(console(), profile_.timeouts.command)) {
    if (ssh_answered) ssh_->reconnect_in_background(since);
    return "console round trip";
  }
  if (ssh_answered) {
    ssh_->connect();  // reconnects and runs `exit 0`
    return "ssh round trip";
  }
  const auto status = qmp().execute("query-status");
  if (status.value("status", "") != "running") {
    throw QemuError(profile_.name + ": after " + after + " the machine is " +
                    status.value("status", "?") + ", not running");
  }
  return "query-status running";
}

std::optional<std::chrono::steady_clock::time_point> Machine::ssh_ready_at(bool wait) {
  return ssh_->ready_at(wait);
}

std::optional<std::chrono::milliseconds> Machine::ssh_ready_after_restore(bool wait) {
  return ssh_->ready_after_restore(wait);
}

std::optional<HostKey> Machine::pinned_host_key() {
  SshClient* client = ssh_->existing();
  return client ? client->host_key_pin().pinned() : std::nullopt;
}

void Machine::delete_snapshot(const std::string& tag) {
  snapshots_->remove(tag);
  snapshot_states_.erase(tag);
}

std::vector<std::string> Machine::snapshots() { return snapshots_->list(); }

std::vector<BootMarkerTime> Machine::reboot(bool hard) {
  ssh_->wait_for_reconnect();
  shell_.forget();  // a new boot: no shell until a login
  const auto mark = qmp().event_mark();
  // Forget the old output first: the new boot's first lines may arrive while the reboot
  // command is still being reported back, and they must not be dropped.
  console().discard_pending_output();
  console().clear_watcher_hit();
  started_at_ = std::chrono::steady_clock::now();  // boot marker times count from here
  machine_log_->count_from(started_at_);
  if (hard) {
    note("reboot: QMP system_reset");
    ssh_->disconnect("hard reset");
    qmp().execute("system_reset");
  } else {
    note("reboot: `" + profile_.reboot_command + "` in the guest");
    send_going_down(profile_.reboot_command, "reboot");
  }
  if (CommandChannel* channel = qemu_->channel()) channel->forget();  // the new boot's is asked
  qmp().wait_for_event("RESET", nullptr, profile_.timeouts.shutdown + profile_.timeouts.command,
                       mark);
  note("reset after " + seconds_text(std::chrono::steady_clock::now() - started_at_));
  state_ = MachineState::kRunning;
  return wait_for_boot();
}

void Machine::send_going_down(const std::string& command, const std::string& why) {
  CommandChannel* channel = qemu_->channel();
  if (channel && channel->send_going_down(command)) {
    note(why + ": `" + command + "` sent on the command channel");
  } else if (ssh_->answering()) {
    try {
      // A guest that goes down at once never closes the connection (QEMU's user network keeps
      // the host side open), so the command's report is not awaited for long.
      ssh_->existing()->run(command, std::chrono::seconds(3));
    } catch (const Error& e) {
      note(why + ": the command's session ended: " + e.what());
    }
  } else {
    console().sendline(command);
  }
  ssh_->disconnect(why);
}

PowerOffReport Machine::power_off(std::optional<std::string> command,
                                  std::optional<std::chrono::milliseconds> timeout) {
  using Clock = std::chrono::steady_clock;
  require({MachineState::kRunning, MachineState::kBootStalled}, "power off");
  throw_if_exited(std::chrono::milliseconds(0));
  ssh_->wait_for_reconnect();
  shell_.forget();
  const std::string cmd = command.value_or(profile_.power_off.command);
  const auto budget = timeout.value_or(profile_.timeouts.shutdown + profile_.timeouts.command);
  const auto mark = qmp().event_mark();
  const auto start = Clock::now();
  console().discard_pending_output();  // the halted line must be this power-off's
  note("power_off: `" + cmd + "` in the guest, waiting up to " + seconds_text(budget));
  send_going_down(cmd, "power_off");
  PowerOffReport report;
  report.by = wait_for_power_off(cmd, budget, mark);
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  state_ = MachineState::kPoweredOff;
  note("powered off after " + seconds_text(report.took) + ": " + report.by + "; QEMU " +
       qemu_->process().exit_description());
  return report;
}

std::string Machine::wait_for_power_off(const std::string& cmd, std::chrono::milliseconds budget,
                                        std::uint64_t mark) {
  // Without -no-shutdown, QEMU ends by itself once the guest powers the machine off; a guest
  // that only halts its CPU says so on the console, and QEMU stays up.
  QemuProcess& process = qemu_->process();
  if (!profile_.power_off.halted_pattern.empty()) {
    try {
      const std::string halted = console().expect(profile_.power_off.halted_pattern, budget).text;
      quit_qemu("power_off: the guest halted");
      return "the console's halted line '" + halted + "'";
    } catch (const TimeoutError&) {
      throw TimeoutError(profile_.name + ": `" + cmd + "` did not power the guest off within " +
                         seconds_text(budget) + ": no SHUTDOWN from QEMU and no line matching '" +
                         profile_.power_off.halted_pattern + "' on the console" +
                         console_end(console()));
    } catch (const Error&) {
      // the console closed: QEMU ended, and its last events say why
    }
  } else if (!process.wait_for_exit(budget)) {
    throw TimeoutError(profile_.name + ": `" + cmd + "` did not power the guest off within " +
                       seconds_text(budget) + " (no SHUTDOWN from QEMU)" + console_end(console()));
  }
  process.wait_for_exit(std::chrono::seconds(5));
  QmpClient::Json event;
  try {
    event = qmp().wait_for_event("SHUTDOWN", nullptr, std::chrono::seconds(5), mark);
  } catch (const Error&) {
    // no event: reported below with what QEMU's end was
  }
  const QmpClient::Json data = event.is_object() ? event.value("data", QmpClient::Json::object())
                                                 : QmpClient::Json::object();
  if (event.is_null() || !data.is_object() || !data.value("guest", false)) {
    qemu_->throw_if_exited(std::chrono::seconds(1));  // a panic watcher, a full disk, a crash
    throw QemuError(profile_.name + ": QEMU " + process.exit_description() + " after `" + cmd +
                    "` without a SHUTDOWN event from the guest");
  }
  return "QEMU's SHUTDOWN event (" + data.value("reason", std::string("guest")) + ")";
}

std::vector<BootMarkerTime> Machine::power_on(std::optional<std::chrono::milliseconds> timeout) {
  // The scenario's own mistake, not QEMU's: no QemuError.
  if (state() == MachineState::kRunning || state() == MachineState::kBootStalled)
    throw ConfigError({}, profile_.name + ": power_on: the machine is running; power_off first");
  require({MachineState::kPoweredOff}, "power on");
  relaunch("power_on");
  return wait_for_boot(timeout);
}

void Machine::relaunch(const std::string& why) {
  note("starting QEMU again on the same disks (" + why + ")");
  ssh_->drop();  // bound to the old QEMU; made again on first use, with the same pin
  snapshots_.reset();
  shell_.forget();
  start_qemu(true);  // throws with QEMU's reason; the machine then stays powered off
  state_ = MachineState::kRunning;
}

bool Machine::save_ssh_key(const fs::path& file) const { return ssh_->save_key(file); }

void Machine::screenshot(const std::filesystem::path& png) {
  const auto target = fs::absolute(png);
  fs::create_directories(target.parent_path());
  qmp().execute("screendump", {{"filename", target.string()}, {"format", "png"}});
  note("screenshot: " + target.string());
}

MachineState Machine::state() const {
  const MachineState s = state_;
  if (s == MachineState::kPoweredOff || s == MachineState::kTemplated) return s;
  return running() ? s : MachineState::kStopped;
}

void Machine::require(std::initializer_list<MachineState> wanted, const std::string& doing) const {
  const MachineState now = state();
  for (const MachineState w : wanted)
    if (w == now) return;
  std::string what = profile_.name + ": cannot " + doing + ": the machine is " + to_string(now);
  switch (now) {
    case MachineState::kPoweredOff:
      what += " (power_on() or a restore starts it again)";
      break;
    case MachineState::kTemplated:
      what += " (its disks are the template's now: start a clone of it)";
      break;
    case MachineState::kStopped:
      if (qemu_) what += " (QEMU " + qemu_->process().exit_description() + ")";
      break;
    default:
      break;
  }
  throw QemuError(what);
}

}  // namespace hurdle
