#include "machine/machine.hpp"

#include <sys/statvfs.h>

#include <algorithm>

#include <cstdio>
#include <cstdlib>

#include "console/console_command.hpp"
#include "core/backoff.hpp"
#include "core/cache_directory.hpp"
#include "core/digest.hpp"
#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/shell_quote.hpp"
#include "core/unix_socket.hpp"
#include "core/wall_clock.hpp"
#include "machine/machine_template.hpp"
#include "qemu/disk_overlay.hpp"
#include "qemu/host_port.hpp"
#include "qemu/image_digest.hpp"
#include "qemu/qemu_command.hpp"
#include "ssh/owned_key.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

constexpr int kStartAttempts = 3;  // a forwarded port taken between choice and QEMU's bind

fs::path make_log_dir(const std::string& name) {
  const fs::path base = fs::temp_directory_path() / "hurdle-logs";
  fs::create_directories(base);
  std::string tmpl = (base / (name + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw Error("cannot create a log folder under " + base.string());
  return tmpl;
}

// The end of what the console printed, for an error.
std::string console_end(const SerialConsole& console) {
  const std::string tail = console.tail(1024);
  if (tail.empty()) return "; the console printed nothing";
  return "; the console ends with:\n" + tail;
}

std::string join_argv(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv)
    s += (s.empty() ? "" : " ") + (a.find(' ') == std::string::npos ? a : "'" + a + "'");
  return s;
}

}  // namespace

std::unique_ptr<Machine> Machine::from_profile(const std::string& name_or_path,
                                               MachineOptions options) {
  const fs::path file =
      find_machine_profile(name_or_path, profile_search_path(options.profile_path));
  ProfileImageOptions image{options.image, fetching_image_resolver(options.images)};
  return start(load_machine_profile(file, options.variables, image), std::move(options));
}

std::unique_ptr<Machine> Machine::start(MachineProfile profile, MachineOptions options) {
  std::unique_ptr<Machine> m(new Machine(std::move(profile), std::move(options)));
  m->launch();
  return m;
}

Machine::Machine(MachineProfile profile, MachineOptions options)
    : profile_(std::move(profile)), options_(std::move(options)) {
  log_dir_ = options_.log_dir.empty() ? make_log_dir(profile_.name) : options_.log_dir;
  fs::create_directories(log_dir_);
  machine_log_ = std::make_unique<LogFile>(log_dir_ / "machine.log", LogFile::Stamp::kElapsed);
  for (const auto& secret : options_.secrets) machine_log_->add_secret(secret);
  run_dir_ = std::make_unique<RunDirectory>(profile_.name);
  if (!options_.template_ram.empty()) ram_ = RamFile{options_.template_ram, true};
}

void Machine::note(const std::string& line) { machine_log_->write(line); }

fs::path Machine::work_dir() const {
  if (work_dir_) return work_dir_->path();
  if (options_.work_dir) return *options_.work_dir;
  if (const char* env = std::getenv("HURDLE_WORK_DIR"); env != nullptr && *env != '\0') return env;
  return user_cache_directory() / "runs";
}

void Machine::make_work_dir() {
  const bool overlays =
      std::any_of(profile_.disks.begin(), profile_.disks.end(),
                  [](const auto& d) { return d.mode == DiskSpec::Mode::kOverlay; });
  if (!overlays || work_dir_) return;
  const fs::path base = work_dir();
  work_dir_ = std::make_unique<RunDirectory>(profile_.name, base);
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

std::filesystem::path Machine::cache_dir() const {
  return options_.cache_dir ? *options_.cache_dir : user_cache_directory();
}

void Machine::launch() {
  Accelerator requested = profile_.accel;
  if (options_.accel)
    requested = *options_.accel;
  else if (auto env = accelerator_from_environment())
    requested = *env;
  accel_ = choose_accelerator(requested, profile_.qemu, {}, cache_dir());
  note("accelerator: " + accel_.reason);
  make_work_dir();
  make_disks();
  start_qemu(false);
}

void Machine::make_disks() {
  disk_files_ = make_disk_files(profile_, work_dir_ ? work_dir_->path() : fs::path(), disk_starts_);
}

void Machine::start_qemu(bool same_ports) {
  QemuLaunch launch;
  launch.console_socket = *run_dir_ / "console.sock";
  launch.qmp_socket = *run_dir_ / "qmp.sock";
  launch.accel = accel_.accel;
  launch.disk_files = disk_files_;
  launch.ram = ram_;
  // A resume or a clone: QEMU waits for the saved state, which load_incoming_state() sends it
  // through QMP (so that its progress comes as events). Not on a later power-on.
  if (incoming_ && !powered_off_) launch.extra_args = {"-incoming", "defer"};
  for (int attempt = 1;; ++attempt) {
    if (!same_ports || attempt > 1 || host_ports_.empty()) {
      host_ports_.clear();
      for (const auto& nic : profile_.nics) {
        for (const auto& f : nic.forwards) host_ports_[f.name] = free_loopback_port();
      }
    }
    launch.host_ports = host_ports_;
    const std::vector<std::string> argv = qemu_argv(profile_, launch);
    note("starting: " + join_argv(argv));

    UnixListener console_listener(launch.console_socket);
    UnixListener qmp_listener(launch.qmp_socket);
    started_at_ = std::chrono::steady_clock::now();
    machine_log_->count_from(started_at_);
    process_ = std::make_unique<QemuProcess>(argv, log_dir_ / "qemu.log");
    note("QEMU pid " + std::to_string(process_->pid()));

    bool timed_out = false;
    auto console_fd =
        console_listener.accept(options_.start_timeout, process_->exit_fd(), timed_out);
    auto qmp_fd = console_fd
                      ? qmp_listener.accept(options_.start_timeout, process_->exit_fd(), timed_out)
                      : std::optional<UniqueFd>();
    if (console_fd && qmp_fd) {
      ConsoleOptions copts;
      copts.machine_name = profile_.name;
      copts.transcript = log_dir_ / "console.txt";
      copts.raw_transcript = log_dir_ / "console.log";
      copts.secrets = options_.secrets;
      copts.shell_prompt = profile_.login.shell_prompt;
      copts.on_closed = [this] { throw_if_exited(); };
      if (!options_.keep_running_after_panic) {
        copts.on_watcher_hit = [this](const WatcherHit& hit) {
          note(hit.name + " seen on the console: " + hit.line + "; stopping QEMU now");
          {
            std::lock_guard lock(log_mutex_);
            stopped_because_ = hit.name + " seen on the console: " + hit.line;
          }
          process_->kill();
        };
      }
      console_ = std::make_unique<SerialConsole>(std::move(*console_fd), std::move(copts));
      for (const auto& w : profile_.panic_patterns) console_->add_watcher(w.name, w.pattern);
      qmp_ = std::make_unique<QmpClient>(
          std::move(*qmp_fd), log_dir_ / "qmp.log", options_.start_timeout,
          [this] { throw_if_exited(); }, options_.secrets,
          [this](const QmpClient::Json& event) { on_qmp_event(event); });
      note("console and QMP connected after " +
           seconds_text(std::chrono::steady_clock::now() - started_at_));
      const std::vector<std::string> writable = snapshot_disks(profile_);
      snapshots_ =
          std::make_unique<SnapshotStore>(*qmp_, writable, writable.empty() ? "" : writable.front(),
                                          [this](const std::string& line) { note(line); });
      return;
    }
    if (timed_out) {
      process_->kill();
      throw QemuError(profile_.name + ": QEMU did not connect its console and QMP within " +
                      seconds_text(options_.start_timeout) + "; qemu.log ends with:\n" +
                      process_->log_tail());
    }
    process_->wait_for_exit(std::chrono::seconds(5));
    const std::string log = process_->log_tail();
    note("QEMU " + process_->exit_description() + " at start");
    if (attempt < kStartAttempts && log.find("host forwarding rule") != std::string::npos) continue;
    throw QemuError(profile_.name + ": QEMU " + process_->exit_description() +
                    " at start; qemu.log (" + (log_dir_ / "qemu.log").string() + ") ends with:\n" +
                    log);
  }
}

Machine::~Machine() {
  // A clone's disks are thrown away: nothing needs the guest to stop cleanly.
  if (throwaway_ && process_) process_->kill();
  {
    std::lock_guard lock(reconnect_mutex_);
    if (ssh_reconnect_.valid() &&
        ssh_reconnect_.wait_for(std::chrono::seconds(0)) != std::future_status::ready && process_)
      process_->kill();  // the reconnect gives up when QEMU is gone
  }
  wait_for_ssh_reconnect();
  ssh_.reset();  // close the SSH session while the guest is still there to hear it
  try {
    // Overlays and read-only disks go away with the machine: nothing the guest would write
    // on its way down is kept, so it is not asked (a guest that ignores ACPI's power button,
    // as the Hurd does, would hold the run up for the whole shutdown time-out).
    const bool kept =
        std::any_of(profile_.disks.begin(), profile_.disks.end(),
                    [](const DiskSpec& d) { return d.mode == DiskSpec::Mode::kDirect; });
    if (process_ && process_->running()) {
      if (kept)
        shutdown();
      else
        quit_qemu("the machine is discarded and keeps no disk");
    }
  } catch (...) {
    // A destructor must not throw; QemuProcess's destructor kills whatever is left.
  }
  qmp_.reset();
  console_.reset();
  process_.reset();
}

std::uint16_t Machine::host_port(const std::string& forward) const {
  const auto it = host_ports_.find(forward);
  if (it == host_ports_.end())
    throw ConfigError({profile_.source, 0, 0},
                      "the profile forwards no port named '" + forward + "'");
  return it->second;
}

void Machine::throw_if_exited(std::chrono::milliseconds grace) {
  if (powered_off_ || !process_)
    throw QemuError(profile_.name +
                    ": the machine is powered off (power_off); power_on boots it "
                    "again");
  std::string because;
  {
    std::lock_guard lock(log_mutex_);
    because = stopped_because_;
  }
  // hurdle killed QEMU itself: it is gone or going, whether or not it has been reaped yet (the
  // guest's connections close before QEMU's exit can be seen).
  if (!because.empty())
    throw QemuError(profile_.name + ": QEMU was stopped by hurdle after " + because);
  if (!process_->wait_for_exit(grace)) return;
  throw QemuError(profile_.name + ": QEMU (pid " + std::to_string(process_->pid()) + ") " +
                  process_->exit_description() + "; qemu.log ends with:\n" +
                  process_->log_tail(2048));
}

fs::path Machine::disk_folder(const std::string& node_name) const {
  for (const auto& d : profile_.disks) {
    if (d.node_name != node_name) continue;
    if (d.mode == DiskSpec::Mode::kOverlay && work_dir_) return work_dir_->path().parent_path();
    return d.file.parent_path();
  }
  return work_dir_ ? work_dir_->path().parent_path() : fs::path();
}

void Machine::on_qmp_event(const QmpClient::Json& event) {
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
    if (!options_.keep_running_after_panic) stopped_because_ = why;
  }
  if (options_.keep_running_after_panic) {
    note(why + "; QEMU is kept running (paused) as asked");
    return;
  }
  note(why + "; stopping QEMU now");
  process_->kill();
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
      console_->expect(marker.pattern, std::max(left, std::chrono::milliseconds(0)));
    } catch (const TimeoutError& e) {
      boot_stalled_ = true;
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
  const std::uint64_t bytes = console_->bytes_received();
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
  if (!process_ || !process_->running()) return;
  const auto budget = timeout.value_or(profile_.timeouts.shutdown);
  try {
    // A guest that panicked, or never finished booting, cannot power itself off: go straight
    // to quit instead of waiting out the shutdown time-out.
    if (const auto hit = console_->watcher_hit())
      return quit_qemu("shutdown: the guest showed " + hit->name);
    if (boot_stalled_) return quit_qemu("shutdown: the guest never finished booting");
    note("shutdown: system_powerdown, waiting up to " + seconds_text(budget));
    qmp_->execute("system_powerdown", {}, std::chrono::seconds(5));
    if (process_->wait_for_exit(budget)) {
      note("QEMU " + process_->exit_description() + " after powerdown");
      return;
    }
  } catch (const Error& e) {
    note(std::string("shutdown: ") + e.what());
  }
  quit_qemu("the guest did not power off");
}

void Machine::quit_qemu(const std::string& why) {
  if (!process_ || !process_->running()) return;
  note(why + ": QMP quit");
  try {
    qmp_->execute("quit", {}, std::chrono::seconds(5));
  } catch (const Error& e) {
    note(std::string("quit: ") + e.what());
  }
  if (!process_->wait_for_exit(std::chrono::seconds(5))) {
    note("QEMU did not quit; SIGKILL");
    process_->kill();
  }
  note("QEMU " + process_->exit_description());
}

void Machine::crash() {
  note("crash: SIGKILL to QEMU");
  if (process_) process_->kill();
}

void Machine::login(std::optional<std::string> user, std::optional<std::string> password) {
  const std::string name = user.value_or(profile_.login.user);
  const std::string secret = password.value_or(profile_.login.password);
  const auto timeout = profile_.timeouts.command;
  const auto start = std::chrono::steady_clock::now();
  console_->sendline("");  // a fresh prompt, in case the first one scrolled by unread
  console_->expect(profile_.login.login_prompt, timeout);
  console_->sendline(name);
  const std::vector<std::string> after_user = {profile_.login.password_prompt,
                                               profile_.login.shell_prompt, "Login incorrect"};
  auto m = console_->expect(after_user, timeout);
  if (m.index == 0) {
    console_->sendline(secret);  // never logged: the console logs only what the guest prints
    m = console_->expect({profile_.login.shell_prompt, "Login incorrect"}, timeout);
    if (m.index == 1) throw ConsoleError(profile_.name + ": login as " + name + " was refused");
  } else if (m.index == 2) {
    throw ConsoleError(profile_.name + ": login as " + name + " was refused");
  }
  note("logged in on the console as " + name + " after " +
       seconds_text(std::chrono::steady_clock::now() - start));
  prompt_at_sends_ = console_->sends();
  console_logged_in_ = true;
  const bool key_auth = profile_.ssh && (profile_.ssh->auth == SshSpec::Auth::kEphemeralKey ||
                                         profile_.ssh->auth == SshSpec::Auth::kHurdleKey);
  if (key_auth && profile_.ssh->user == name && !ssh_key_installed_) install_ssh_key();
}

fs::path Machine::owned_key_cache() const {
  return options_.images.cache_dir ? *options_.images.cache_dir : user_cache_directory();
}

void Machine::install_ssh_key() {
  // ephemeral-key: this run's key. hurdle-key: the user's, which a disk hurdle prepared has
  // already; one that it did not (your own image) gets it here, once.
  std::string line;
  std::string which;
  if (profile_.ssh->auth == SshSpec::Auth::kHurdleKey) {
    line = hurdle_owned_key(owned_key_cache()).public_line;
    which = "hurdle's own ed25519 key";
  } else {
    if (!ssh_key_) ssh_key_ = SshKey::generate_ed25519();
    line = ssh_key_->public_line("hurdle-" + profile_.name);
    which = "this run's ed25519 key";
  }
  // The home folder of the logged-in user; the key line holds no quote characters.
  console_->sendline("mkdir -p ~/.ssh && chmod 700 ~/.ssh && { grep -qxF '" + line +
                     "' ~/.ssh/authorized_keys 2>/dev/null || echo '" + line +
                     "' >> ~/.ssh/authorized_keys; } && chmod 600 ~/.ssh/authorized_keys && "
                     "echo hurdle-key-$((40+2))");
  console_->expect("hurdle-key-42", profile_.timeouts.command);
  console_->expect_prompt(profile_.timeouts.command);
  prompt_at_sends_ = console_->sends();
  ssh_key_installed_ = true;
  note("installed " + which + " for " + profile_.ssh->user + " over the console");
}

SshClient& Machine::ssh_client() {
  if (!process_) throw_if_exited();  // a power-on that failed left no QEMU
  if (!profile_.ssh) {
    throw ConfigError(
        {profile_.source, 0, 0},
        "machine " + profile_.name + " has no SSH: add an `ssh:` section and a NIC forward for it");
  }
  std::lock_guard lock(ssh_mutex_);
  if (!ssh_) {
    const SshSpec& spec = *profile_.ssh;
    SshClientOptions o;
    o.machine = profile_.name;
    o.endpoint.port = host_port(spec.forward);
    o.auth.user = spec.user;
    switch (spec.auth) {
      case SshSpec::Auth::kNone:
        o.auth.method = SshAuth::Method::kNone;
        break;
      case SshSpec::Auth::kPassword:
        o.auth.method = SshAuth::Method::kPassword;
        o.auth.password = spec.password;
        break;
      case SshSpec::Auth::kKey:
        o.auth.method = SshAuth::Method::kKey;
        o.auth.key = SshKey::load(spec.key);
        break;
      case SshSpec::Auth::kEphemeralKey:
        o.auth.method = SshAuth::Method::kKey;
        if (!ssh_key_) ssh_key_ = SshKey::generate_ed25519();
        o.auth.key = ssh_key_;
        break;
      case SshSpec::Auth::kHurdleKey:
        o.auth.method = SshAuth::Method::kKey;
        o.auth.key = hurdle_owned_key(owned_key_cache()).key;
        break;
    }
    o.ready_command = spec.ready_command;
    o.ready_output = spec.ready_output;
    o.host_key_file = run_dir() / "ssh-host-key";
    o.log_file = log_dir_ / "ssh.log";
    o.check_alive = [this] { throw_if_exited(std::chrono::milliseconds(0)); };
    o.abort_fd = process_->exit_fd();
    ssh_ = std::make_unique<SshClient>(std::move(o));
    for (const auto& secret : options_.secrets) ssh_->log().add_secret(secret);
  }
  if (profile_.ssh->auth == SshSpec::Auth::kEphemeralKey && !ssh_key_installed_) {
    throw SshError(profile_.name + ": SSH uses a key installed over the console: log in on the " +
                   "console first (Machine::login) so that hurdle can install it");
  }
  return *ssh_;
}

SshClient& Machine::ssh() {
  wait_for_ssh_reconnect();
  return connect_ssh();
}

SshClient& Machine::connect_ssh() {
  SshClient& client = ssh_client();
  if (!client.connected()) {
    const auto took = client.wait_until_ready(profile_.ssh->ready_timeout);
    note("SSH answered after " + seconds_text(took));
  }
  return client;
}

CommandResult Machine::run(const std::string& command,
                           std::optional<std::chrono::milliseconds> timeout) {
  if (!profile_.ssh) return run_in_console_shell(command, command_timeout(timeout));
  return ssh_client().run(command, command_timeout(timeout));
}

CommandResult Machine::run_in_console_shell(const std::string& command,
                                            std::chrono::milliseconds timeout) {
  throw_if_exited(std::chrono::milliseconds(0));
  if (!console_logged_in_) login();
  const ConsoleCommandResult on_console = run_on_console(*console_, command, timeout);
  prompt_at_sends_ = console_->sends();  // run_on_console returns at the prompt
  CommandResult result;
  result.command = command;
  result.exit_status = on_console.exit_status;
  result.out = on_console.output;
  result.out_bytes = on_console.output.size();
  result.elapsed = on_console.elapsed;
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
    if (wait_readable(process_->exit_fd(), -1, Clock::now() + pause) > 0) throw_if_exited();
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
  if (powered_off_)
    throw QemuError(profile_.name + ": cannot save snapshot " + tag +
                    ": the machine is powered off (a snapshot holds a running machine)");
  SnapshotState state;
  wait_for_ssh_reconnect();  // whether SSH answers is part of what the snapshot holds
  state.host_key = ssh_ ? ssh_->host_key_pin().pinned() : std::nullopt;
  state.key_installed = ssh_key_installed_;
  state.console_at_prompt = prompt_at_sends_ && *prompt_at_sends_ == console_->sends();
  state.console_logged_in = console_logged_in_;
  state.ssh_answered = ssh_ && ssh_->connected();
  const auto took = snapshots_->save(tag);
  snapshot_states_[tag] = state;
  return took;
}

RestoreReport Machine::restore(const std::string& tag) {
  using Clock = std::chrono::steady_clock;
  RestoreReport report;
  report.tag = tag;
  const auto start = Clock::now();
  wait_for_ssh_reconnect();
  // The snapshots are in the disks, which a power-off keeps: a QEMU on them can load one.
  if (powered_off_) relaunch("to load snapshot " + tag);
  if (ssh_) ssh_->disconnect("restoring snapshot " + tag);
  report.load = snapshots_->restore(tag);
  console_->discard_pending_output();  // output from before the restore describes nothing now
  console_->clear_watcher_hit();
  const auto state = snapshot_states_.find(tag);
  const auto verify_start = Clock::now();
  const bool known = state != snapshot_states_.end();
  if (known) {
    ssh_key_installed_ = state->second.key_installed;
    if (ssh_) ssh_->host_key_pin().reset_to(state->second.host_key);
  }
  prompt_at_sends_.reset();
  {
    std::lock_guard lock(reconnect_mutex_);
    ssh_reconnect_ = {};  // the last restore's reconnect is over (waited for above)
  }
  if (known && state->second.console_at_prompt) prompt_at_sends_ = console_->sends();
  console_logged_in_ = known && state->second.console_logged_in;
  report.verified_by =
      prove_alive(known && state->second.ssh_answered, start, "loading snapshot '" + tag + "'");
  report.verify =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - verify_start);
  note("restored " + tag + ": load " + seconds_text(report.load) + ", " + report.verified_by + " " +
       seconds_text(report.verify) + " (console ready)");
  last_restore_ = report;
  return report;
}

std::string Machine::prove_alive(bool ssh_answered, std::chrono::steady_clock::time_point since,
                                 const std::string& after) {
  if (prove_alive_on_console()) {
    if (ssh_answered) reconnect_ssh_in_background(since);
    return "console round trip";
  }
  if (ssh_answered) {
    connect_ssh();  // reconnects and runs `exit 0`
    return "ssh round trip";
  }
  const auto status = qmp_->execute("query-status");
  if (status.value("status", "") != "running") {
    throw QemuError(profile_.name + ": after " + after + " the machine is " +
                    status.value("status", "?") + ", not running");
  }
  return "query-status running";
}

bool Machine::prove_alive_on_console() {
  if (!prompt_at_sends_ || *prompt_at_sends_ != console_->sends()) return false;
  // The shell expands the sum, so the marker is in its output and not in the echo of the
  // command line; a counter keeps an old marker from answering a new proof.
  const std::uint64_t n = console_->sends();
  const std::string marker = "hurdle-alive-" + std::to_string(n + 1);
  console_->sendline("echo hurdle-alive-$((" + std::to_string(n) + "+1))");
  console_->expect(marker, profile_.timeouts.command);
  console_->expect_prompt(profile_.timeouts.command);
  prompt_at_sends_ = console_->sends();
  return true;
}

void Machine::reconnect_ssh_in_background(std::chrono::steady_clock::time_point since) {
  std::lock_guard lock(reconnect_mutex_);
  reconnect_since_ = since;
  ssh_reconnect_ =
      std::async(std::launch::async,
                 [this, since]() -> std::optional<std::chrono::steady_clock::time_point> {
                   try {
                     connect_ssh();
                     const auto at = std::chrono::steady_clock::now();
                     note("SSH ready " + seconds_text(at - since) + " after the restore began");
                     return at;
                   } catch (const std::exception& e) {
                     // The first SSH step connects again and reports why it cannot.
                     note(std::string("SSH did not reconnect in the background: ") + e.what());
                     return std::nullopt;
                   }
                 })
          .share();
}

void Machine::wait_for_ssh_reconnect() {
  std::shared_future<std::optional<std::chrono::steady_clock::time_point>> pending;
  {
    std::lock_guard lock(reconnect_mutex_);
    pending = ssh_reconnect_;
  }
  if (pending.valid()) pending.wait();
}

std::optional<std::chrono::steady_clock::time_point> Machine::ssh_ready_at(bool wait) {
  std::shared_future<std::optional<std::chrono::steady_clock::time_point>> pending;
  {
    std::lock_guard lock(reconnect_mutex_);
    pending = ssh_reconnect_;
  }
  if (!pending.valid()) return std::nullopt;
  if (!wait && pending.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
    return std::nullopt;
  return pending.get();
}

std::optional<std::chrono::milliseconds> Machine::ssh_ready_after_restore(bool wait) {
  const auto at = ssh_ready_at(wait);
  if (!at) return std::nullopt;
  std::lock_guard lock(reconnect_mutex_);
  return std::chrono::duration_cast<std::chrono::milliseconds>(*at - reconnect_since_);
}

void Machine::delete_snapshot(const std::string& tag) {
  snapshots_->remove(tag);
  snapshot_states_.erase(tag);
}

std::vector<std::string> Machine::snapshots() { return snapshots_->list(); }

std::vector<BootMarkerTime> Machine::reboot(bool hard) {
  wait_for_ssh_reconnect();
  prompt_at_sends_.reset();  // a new boot: no shell until a login
  console_logged_in_ = false;
  const auto mark = qmp_->event_mark();
  // Forget the old output first: the new boot's first lines may arrive while the reboot
  // command is still being reported back, and they must not be dropped.
  console_->discard_pending_output();
  console_->clear_watcher_hit();
  started_at_ = std::chrono::steady_clock::now();  // boot marker times count from here
  machine_log_->count_from(started_at_);
  if (hard) {
    note("reboot: QMP system_reset");
    if (ssh_) ssh_->disconnect("hard reset");
    qmp_->execute("system_reset");
  } else {
    note("reboot: `" + profile_.reboot_command + "` in the guest");
    if (ssh_ && ssh_->connected()) {
      try {
        // A guest that resets at once never closes the connection (QEMU's user network keeps
        // the host side open), so the command's report is not awaited for long.
        ssh_->run(profile_.reboot_command, std::chrono::seconds(3));
      } catch (const Error& e) {
        note(std::string("reboot: the command's session ended: ") + e.what());
      }
    } else {
      console_->sendline(profile_.reboot_command);
    }
    if (ssh_) ssh_->disconnect("reboot");
  }
  qmp_->wait_for_event("RESET", nullptr, profile_.timeouts.shutdown + profile_.timeouts.command,
                       mark);
  note("reset after " + seconds_text(std::chrono::steady_clock::now() - started_at_));
  boot_stalled_ = false;
  return wait_for_boot();
}

PowerOffReport Machine::power_off(std::optional<std::string> command,
                                  std::optional<std::chrono::milliseconds> timeout) {
  using Clock = std::chrono::steady_clock;
  throw_if_exited(std::chrono::milliseconds(0));
  wait_for_ssh_reconnect();
  prompt_at_sends_.reset();
  const std::string cmd = command.value_or(profile_.power_off.command);
  const auto budget = timeout.value_or(profile_.timeouts.shutdown + profile_.timeouts.command);
  const auto mark = qmp_->event_mark();
  const auto start = Clock::now();
  console_->discard_pending_output();  // the halted line must be this power-off's
  note("power_off: `" + cmd + "` in the guest, waiting up to " + seconds_text(budget));
  if (ssh_ && ssh_->connected()) {
    try {
      // As for reboot: a guest that goes down at once may never answer for the command.
      ssh_->run(cmd, std::chrono::seconds(3));
    } catch (const Error& e) {
      note(std::string("power_off: the command's session ended: ") + e.what());
    }
  } else {
    console_->sendline(cmd);
  }
  if (ssh_) ssh_->disconnect("power off");

  // Without -no-shutdown, QEMU ends by itself once the guest powers the machine off; a guest
  // that only halts its CPU says so on the console, and QEMU stays up.
  std::optional<std::string> halted;
  bool ended = false;
  if (!profile_.power_off.halted_pattern.empty()) {
    try {
      halted = console_->expect(profile_.power_off.halted_pattern, budget).text;
    } catch (const TimeoutError&) {
      throw TimeoutError(profile_.name + ": `" + cmd + "` did not power the guest off within " +
                         seconds_text(budget) + ": no SHUTDOWN from QEMU and no line matching '" +
                         profile_.power_off.halted_pattern + "' on the console" +
                         console_end(*console_));
    } catch (const Error&) {
      ended = true;  // the console closed: QEMU ended, and its last events say why
    }
  } else {
    ended = process_->wait_for_exit(budget);
    if (!ended) {
      throw TimeoutError(profile_.name + ": `" + cmd + "` did not power the guest off within " +
                         seconds_text(budget) + " (no SHUTDOWN from QEMU)" +
                         console_end(*console_));
    }
  }
  PowerOffReport report;
  if (ended) {
    process_->wait_for_exit(std::chrono::seconds(5));
    QmpClient::Json event;
    try {
      event = qmp_->wait_for_event("SHUTDOWN", nullptr, std::chrono::seconds(5), mark);
    } catch (const Error&) {
      // no event: reported below with what QEMU's end was
    }
    const QmpClient::Json data = event.is_object() ? event.value("data", QmpClient::Json::object())
                                                   : QmpClient::Json::object();
    if (event.is_null() || !data.is_object() || !data.value("guest", false)) {
      throw_if_exited(std::chrono::seconds(1));  // a panic watcher, a full disk, a crash
      throw QemuError(profile_.name + ": QEMU " + process_->exit_description() + " after `" + cmd +
                      "` without a SHUTDOWN event from the guest");
    }
    report.by = "QEMU's SHUTDOWN event (" + data.value("reason", std::string("guest")) + ")";
  } else {
    report.by = "the console's halted line '" + *halted + "'";
    quit_qemu("power_off: the guest halted");
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  powered_off_ = true;
  note("powered off after " + seconds_text(report.took) + ": " + report.by + "; QEMU " +
       process_->exit_description());
  return report;
}

std::vector<BootMarkerTime> Machine::power_on(std::optional<std::chrono::milliseconds> timeout) {
  if (!powered_off_) {
    // The scenario's own mistake, not QEMU's: no QemuError.
    if (process_->running())
      throw Error(profile_.name + ": power_on: the machine is running; power_off first");
    throw_if_exited(std::chrono::milliseconds(0));
  }
  relaunch("power_on");
  return wait_for_boot(timeout);
}

void Machine::relaunch(const std::string& why) {
  wait_for_ssh_reconnect();
  note("starting QEMU again on the same disks (" + why + ")");
  {
    // The client is bound to the old QEMU's exit descriptor; a new one is made on first use
    // (the host-key pin stays: it is kept in the run folder).
    std::lock_guard lock(ssh_mutex_);
    ssh_.reset();
  }
  snapshots_.reset();
  qmp_.reset();
  console_.reset();
  process_.reset();
  {
    std::lock_guard lock(log_mutex_);
    stopped_because_.clear();
  }
  boot_stalled_ = false;
  prompt_at_sends_.reset();
  console_logged_in_ = false;
  start_qemu(true);  // throws with QEMU's reason; the machine then stays powered off
  powered_off_ = false;
}

SavedMachine Machine::describe_for_saving(const Variables& profile_variables,
                                          const std::string& image,
                                          const std::string& reason) const {
  SavedMachine saved;
  saved.machine = profile_.name;
  saved.profile_file = fs::absolute(profile_.source);
  saved.profile_sha256 = file_digest(profile_.source, DigestAlgorithm::kSha256).hex;
  saved.profile_variables = profile_variables;
  saved.image = image;
  saved.qemu_version = qmp_->qemu_version();
  saved.accelerator = to_string(accel_.accel);
  saved.saved_at = wall_clock_text("%Y-%m-%dT%H:%M:%SZ");
  saved.reason = reason;
  for (const DiskSpec& d : profile_.disks) {
    if (d.mode != DiskSpec::Mode::kOverlay) continue;
    SavedDisk disk;
    disk.node_name = d.node_name;
    disk.saved = d.node_name + ".qcow2";
    disk.base = fs::absolute(d.file);
    disk.base_format = d.format;
    const auto& prepared = profile_.prepared_image;
    if (prepared && d.file == prepared->disk) {
      disk.lock_entry = prepared->name;
      disk.artifact = prepared->artifact.str();
      disk.recipe = prepared->recipe.str();
    } else {
      disk.base_sha256 = image_sha256(d.file, cache_dir());
    }
    saved.disks.push_back(std::move(disk));
  }
  // The key the guest trusts goes along (a resumed or cloned machine's own key file is no
  // longer where it was); write_trusted_ssh_key writes it.
  if (profile_.ssh) {
    const auto auth = profile_.ssh->auth;
    if ((auth == SshSpec::Auth::kEphemeralKey && ssh_key_) || auth == SshSpec::Auth::kHurdleKey ||
        auth == SshSpec::Auth::kKey)
      saved.ssh_key = "ssh-key";
  }
  if (ssh_) {
    if (const auto& pin = ssh_->host_key_pin().pinned()) saved.host_key = pin->str();
  }
  saved.console_at_prompt = prompt_at_sends_ && *prompt_at_sends_ == console_->sends();
  saved.console_logged_in = console_logged_in_;
  saved.ram_backend = ram_.has_value();
  return saved;
}

namespace {

// The private key the guest trusts, into `file` (0600).
void write_trusted_ssh_key(const MachineProfile& profile, const std::optional<SshKey>& ephemeral,
                           const fs::path& owned_key_cache, const fs::path& file) {
  if (!profile.ssh) return;
  switch (profile.ssh->auth) {
    case SshSpec::Auth::kEphemeralKey:
      if (ephemeral) ephemeral->save_private(file);
      return;
    case SshSpec::Auth::kHurdleKey:
      hurdle_owned_key(owned_key_cache).key.save_private(file);
      return;
    case SshSpec::Auth::kKey:
      fs::copy_file(profile.ssh->key, file, fs::copy_options::overwrite_existing);
      fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
      return;
    case SshSpec::Auth::kNone:
    case SshSpec::Auth::kPassword:
      return;
  }
}

}  // namespace

bool Machine::save_ssh_key(const fs::path& file) const {
  if (!profile_.ssh) return false;
  const auto auth = profile_.ssh->auth;
  if (auth == SshSpec::Auth::kNone || auth == SshSpec::Auth::kPassword) return false;
  if (auth == SshSpec::Auth::kEphemeralKey && !ssh_key_) return false;  // none installed yet
  write_trusted_ssh_key(profile_, ssh_key_, owned_key_cache(), file);
  return true;
}

SavedMachine Machine::save_to(const fs::path& folder, const Variables& profile_variables,
                              const std::string& image, const std::string& reason) {
  using Clock = std::chrono::steady_clock;
  throw_if_exited(std::chrono::milliseconds(0));
  wait_for_ssh_reconnect();
  const auto start = Clock::now();
  fs::create_directories(folder);
  SavedMachine saved = describe_for_saving(profile_variables, image, reason);
  note("saving the machine into " + folder.string() + " (" + reason + ")");

  // Paused for the whole save, so that the state and the disks are of the same moment; it
  // runs on afterwards whatever happens (the run goes on: a rollback comes next).
  qmp_->execute("stop");
  try {
    const fs::path state = fs::absolute(folder / saved.state);
    // Through gzip -1: a guest's RAM is mostly free pages and text (102 MB of linux-mini's
    // 512 MiB shrink to a fraction), and the state may travel as a CI artifact. A clone's RAM
    // is in a file only it maps: it goes into the stream like any other.
    const std::string status =
        migrate("migrate", "exec:gzip -1 -c > " + shell_quote(state.string()),
                profile_.timeouts.shutdown + profile_.timeouts.command);
    if (status != "completed")
      throw QemuError(profile_.name + ": saving the machine's state to " + state.string() +
                      " ended " + status);
    // After the migration QEMU has flushed the disks and let them go: their files hold this
    // moment, and qemu-img may read them.
    std::size_t next = 0;
    for (std::size_t i = 0; i < profile_.disks.size(); ++i) {
      const DiskSpec& d = profile_.disks[i];
      if (d.mode != DiskSpec::Mode::kOverlay) continue;
      save_overlay_changes(disk_files_[i], d.file, d.format, folder / saved.disks[next++].saved);
    }
    if (!saved.ssh_key.empty())
      write_trusted_ssh_key(profile_, ssh_key_, owned_key_cache(), folder / saved.ssh_key);
    saved.write(folder);
  } catch (...) {
    try {
      qmp_->execute("cont");
    } catch (const Error& e) {
      note(std::string("after a failed save, cont: ") + e.what());
    }
    throw;
  }
  qmp_->execute("cont");
  note("machine saved in " + seconds_text(Clock::now() - start));
  return saved;
}

SavedMachine Machine::save_template(const fs::path& folder, const Variables& profile_variables,
                                    const std::string& image) {
  using Clock = std::chrono::steady_clock;
  if (!ram_ || !ram_->shared)
    throw QemuError(profile_.name + ": only a machine started with its RAM in a shared file " +
                    "(MachineOptions::template_ram) can become a template");
  throw_if_exited(std::chrono::milliseconds(0));
  wait_for_ssh_reconnect();
  const auto start = Clock::now();
  fs::create_directories(folder);
  fs::permissions(folder, fs::perms::owner_all);
  SavedMachine saved = describe_for_saving(profile_variables, image, "template");
  saved.state = "machine.state";
  saved.ram = fs::absolute(ram_->path);
  note("making a template in " + folder.string());
  qmp_->execute("stop");
  const fs::path state = fs::absolute(folder / saved.state);
  const std::string status = migrate("migrate", "exec:cat > " + shell_quote(state.string()),
                                     profile_.timeouts.shutdown + profile_.timeouts.command, true);
  if (status != "completed")
    throw QemuError(profile_.name + ": saving the template's state to " + state.string() +
                    " ended " + status);
  // The RAM file and the disks hold this moment now: QEMU must not run the guest on.
  quit_qemu("template: its state is saved");
  saved.state_sha256 = file_digest(state, DigestAlgorithm::kSha256).hex;
  std::size_t next = 0;
  for (std::size_t i = 0; i < profile_.disks.size(); ++i) {
    if (profile_.disks[i].mode != DiskSpec::Mode::kOverlay) continue;
    const fs::path frozen = folder / saved.disks[next++].saved;
    std::error_code ec;
    fs::rename(disk_files_[i], frozen, ec);
    if (ec) {  // another file system: the cache folder is not the work folder's
      fs::copy_file(disk_files_[i], frozen, fs::copy_options::overwrite_existing);
      fs::remove(disk_files_[i]);
    }
    // Read-only from now on: a clone's QEMU opens it as a backing file, and nothing else may
    // write it.
    fs::permissions(frozen, fs::perms::owner_read);
  }
  if (!saved.ssh_key.empty())
    write_trusted_ssh_key(profile_, ssh_key_, owned_key_cache(), folder / saved.ssh_key);
  saved.write(folder);
  powered_off_ = true;  // for good: the disks are the template's now
  ram_.reset();
  note("template made in " + seconds_text(Clock::now() - start));
  return saved;
}

std::unique_ptr<Machine> Machine::clone(const MachineTemplate& from, MachineOptions options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const SavedMachine& saved = from.manifest();
  MachineProfile profile = from.profile();
  if (!saved.ssh_key.empty() && profile.ssh) {
    profile.ssh->auth = SshSpec::Auth::kKey;
    profile.ssh->key = from.folder() / saved.ssh_key;
  }
  if (!options.accel)
    options.accel =
        parse_accelerator(saved.accelerator, (from.folder() / SavedMachine::kManifest).string());
  options.template_ram.clear();
  std::unique_ptr<Machine> m(new Machine(std::move(profile), std::move(options)));
  m->throwaway_ = true;
  m->ram_ = RamFile{saved.ram, false};
  for (const auto& d : saved.disks)
    m->disk_starts_[d.node_name] = {OverlayStart::How::kLayer, from.folder() / d.saved};
  m->incoming_ = IncomingState{from.folder() / saved.state, true};
  if (!saved.host_key.empty())
    std::ofstream(m->run_dir() / "ssh-host-key", std::ios::trunc) << saved.host_key << "\n";
  m->ssh_key_installed_ = !saved.ssh_key.empty();
  m->note("cloning the template in " + from.folder().string());
  m->launch();
  m->last_restore_.tag = "a clone of the template";
  m->load_incoming_state();
  const auto loaded = Clock::now();
  m->last_restore_.load = std::chrono::duration_cast<std::chrono::milliseconds>(loaded - start);
  if (saved.console_at_prompt) m->prompt_at_sends_ = m->console_->sends();
  m->console_logged_in_ = saved.console_logged_in;
  // SSH answered when the template was made if its host key was pinned by then.
  m->last_restore_.verified_by =
      m->prove_alive(!saved.host_key.empty(), start, "loading the template's state");
  m->last_restore_.verify =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - loaded);
  m->note("clone ready: QEMU and state " + seconds_text(m->last_restore_.load) + ", " +
          m->last_restore_.verified_by + " " + seconds_text(m->last_restore_.verify) +
          " (console ready)");
  return m;
}

std::unique_ptr<Machine> Machine::resume(const fs::path& folder, MachineOptions options) {
  SavedMachine saved = SavedMachine::read(folder);
  const fs::path manifest = folder / SavedMachine::kManifest;
  // The profile: where it was, or found by name here; either way the same text.
  const auto sha256_of = [](const fs::path& f) {
    std::error_code ec;
    return fs::is_regular_file(f, ec) ? file_digest(f, DigestAlgorithm::kSha256).hex
                                      : std::string();
  };
  fs::path file = saved.profile_file;
  std::string here = sha256_of(file);
  if (here != saved.profile_sha256) {
    file = find_machine_profile(saved.machine, profile_search_path(options.profile_path));
    here = sha256_of(file);
  }
  if (here != saved.profile_sha256) {
    throw ConfigError({manifest, 0, 0}, "the machine was saved with another profile " +
                                            saved.machine + " (sha256 " + saved.profile_sha256 +
                                            "); " + file.string() + " has sha256 " + here);
  }
  const ProfileImageOptions image{saved.image, fetching_image_resolver(options.images)};
  MachineProfile profile = load_machine_profile(file, saved.profile_variables, image);
  for (const auto& d : profile.disks) {
    if (d.mode != DiskSpec::Mode::kOverlay) continue;
    const auto s = std::find_if(saved.disks.begin(), saved.disks.end(),
                                [&](const SavedDisk& x) { return x.node_name == d.node_name; });
    if (s == saved.disks.end())
      throw ConfigError({manifest, 0, 0}, "the saved machine has no disk '" + d.node_name +
                                              "', which profile " + file.string() + " names");
    const auto& prepared = profile.prepared_image;
    if (!s->lock_entry.empty()) {
      if (!prepared || prepared->name != s->lock_entry || prepared->artifact.str() != s->artifact ||
          prepared->recipe.str() != s->recipe)
        throw ImageError(profile.name + ": disk " + d.node_name + " was saved over image " +
                         s->lock_entry + " (" + s->artifact + ", recipe " + s->recipe +
                         "); this host's is " +
                         (prepared ? prepared->name + " (" + prepared->artifact.str() +
                                         ", recipe " + prepared->recipe.str() + ")"
                                   : std::string("no lock image")));
    } else if (const std::string here = image_sha256(
                   d.file, options.cache_dir ? *options.cache_dir : user_cache_directory());
               here != s->base_sha256) {
      throw ImageError(profile.name + ": disk " + d.node_name +
                       " was saved over a base with sha256 " + s->base_sha256 + "; " +
                       d.file.string() + " here has sha256 " + here);
    }
  }
  if (!saved.ssh_key.empty() && profile.ssh) {
    profile.ssh->auth = SshSpec::Auth::kKey;
    profile.ssh->key = fs::absolute(folder / saved.ssh_key);
  }
  if (!saved.ram.empty())
    throw ConfigError({manifest, 0, 0}, "this is a machine template, not a saved machine");
  std::unique_ptr<Machine> m(new Machine(std::move(profile), std::move(options)));
  for (const auto& d : saved.disks)
    m->disk_starts_[d.node_name] = {OverlayStart::How::kCopy, fs::absolute(folder / d.saved)};
  m->incoming_ = IncomingState{fs::absolute(folder / saved.state), false};
  if (saved.ram_backend) m->ram_ = RamFile{{}, false};
  if (!saved.host_key.empty()) {
    // The key the guest had when it was saved: a guest presenting another one is refused.
    std::ofstream(m->run_dir() / "ssh-host-key", std::ios::trunc) << saved.host_key << "\n";
  }
  m->note("resuming the machine saved in " + folder.string() + " on " + saved.saved_at + " (" +
          saved.reason + ")");
  m->launch();
  m->load_incoming_state();
  m->console_logged_in_ = saved.console_logged_in;
  return m;
}

std::string Machine::migrate(const std::string& command, const std::string& uri,
                             std::chrono::milliseconds timeout, bool without_ram) {
  // Both ends must agree on x-ignore-shared, and a clone (which loaded its state with it on)
  // saving itself for a resume sends its RAM like any machine: set it every time.
  qmp_->execute(
      "migrate-set-capabilities",
      {{"capabilities",
        nlohmann::json::array({{{"capability", "events"}, {"state", true}},
                               {{"capability", "x-ignore-shared"}, {"state", without_ram}}})}});
  const auto mark = qmp_->event_mark();
  qmp_->execute(command, {{"uri", uri}});
  const auto done = qmp_->wait_for_event(
      "MIGRATION",
      [](const QmpClient::Json& e) {
        const std::string status = e.value("data", QmpClient::Json::object()).value("status", "");
        return status == "completed" || status == "failed" || status == "cancelled";
      },
      timeout, mark);
  return done["data"].value("status", "");
}

void Machine::load_incoming_state() {
  const auto timeout = profile_.timeouts.boot;
  const fs::path state = incoming_->file;
  const bool gzipped = state.extension() == ".gz";
  const std::string uri = std::string(gzipped ? "exec:gzip -dc " : "exec:cat ") +
                          shell_quote(fs::absolute(state).string());
  std::string loaded;
  try {
    loaded = migrate("migrate-incoming", uri, timeout, incoming_->ram_in_file);
  } catch (const TimeoutError&) {
    throw QemuError(profile_.name + ": the saved state " + state.string() +
                    " did not load within " + seconds_text(timeout));
  }
  if (loaded != "completed")
    throw QemuError(profile_.name + ": loading the saved state " + state.string() + " " + loaded +
                    "; qemu.log ends with:\n" + process_->log_tail(2048));
  // It was saved paused (so that its disks are of the same moment), and comes back paused.
  if (qmp_->execute("query-status").value("status", "") != "running") qmp_->execute("cont");
  const auto status = qmp_->execute("query-status");
  if (status.value("status", "") != "running")
    throw QemuError(profile_.name + ": after loading the saved state QEMU is " +
                    status.value("status", "?") + ", not running");
  // Later starts (a power-on) boot the disks as they are then.
  incoming_.reset();
  note("resumed: the guest runs from where it was saved");
}

void Machine::screenshot(const std::filesystem::path& png) {
  const auto target = fs::absolute(png);
  fs::create_directories(target.parent_path());
  qmp_->execute("screendump", {{"filename", target.string()}, {"format", "png"}});
  note("screenshot: " + target.string());
}

}  // namespace hurdle
