#include "machine/machine.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/boost_process.hpp"
#include "core/cache_directory.hpp"
#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/unix_socket.hpp"
#include "qemu/host_port.hpp"
#include "qemu/qemu_command.hpp"

namespace hurdle {

namespace fs = std::filesystem;
namespace bp = boost::process::v2;

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

std::string join_argv(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv)
    s += (s.empty() ? "" : " ") + (a.find(' ') == std::string::npos ? a : "'" + a + "'");
  return s;
}

// Creates a qcow2 overlay on top of `base`, so the base image is never written.
void create_overlay(const fs::path& base, const std::string& format, const fs::path& overlay) {
  boost::asio::io_context ctx;
  boost::asio::readable_pipe err(ctx);
  const fs::path qemu_img = bp::environment::find_executable("qemu-img");
  if (qemu_img.empty()) throw ImageError("qemu-img is not installed (Debian package qemu-utils)");
  bp::process p(ctx, qemu_img,
                {"create", "-q", "-f", "qcow2", "-F", format, "-b", fs::absolute(base).string(),
                 overlay.string()},
                bp::process_stdio{nullptr, nullptr, err});
  std::string message;
  boost::system::error_code ec;
  boost::asio::read(err, boost::asio::dynamic_buffer(message), ec);
  if (p.wait() != 0)
    throw ImageError("qemu-img could not create an overlay on " + base.string() + ": " + message);
}

std::vector<fs::path> profile_search_path(const MachineOptions& options) {
  std::vector<fs::path> path = options.profile_path;
  if (const char* env = std::getenv("HURDLE_PROFILE_PATH"); env != nullptr) {
    std::stringstream ss(env);
    for (std::string dir; std::getline(ss, dir, ':');) {
      if (!dir.empty()) path.emplace_back(dir);
    }
  }
  path.emplace_back("fixtures/machines");
  return path;
}

}  // namespace

std::unique_ptr<Machine> Machine::from_profile(const std::string& name_or_path,
                                               MachineOptions options) {
  const fs::path file = find_machine_profile(name_or_path, profile_search_path(options));
  return start(load_machine_profile(file, options.variables), std::move(options));
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
  machine_log_.open(log_dir_ / "machine.log", std::ios::app);
  run_dir_ = std::make_unique<RunDirectory>(profile_.name);
}

void Machine::note(const std::string& line) {
  const auto since = started_at_.time_since_epoch().count() == 0
                         ? std::chrono::steady_clock::duration::zero()
                         : std::chrono::steady_clock::now() - started_at_;
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "%9.3f ", std::chrono::duration<double>(since).count());
  std::lock_guard lock(log_mutex_);
  machine_log_ << stamp << line << '\n';
  machine_log_.flush();
}

void Machine::launch() {
  Accelerator requested = profile_.accel;
  if (options_.accel)
    requested = *options_.accel;
  else if (auto env = accelerator_from_environment())
    requested = *env;
  accel_ = choose_accelerator(requested, profile_.qemu, {},
                              options_.cache_dir ? *options_.cache_dir : user_cache_directory());
  note("accelerator: " + accel_.reason);

  QemuLaunch launch;
  launch.console_socket = *run_dir_ / "console.sock";
  launch.qmp_socket = *run_dir_ / "qmp.sock";
  launch.console_log = log_dir_ / "console.log";
  launch.accel = accel_.accel;
  for (const auto& disk : profile_.disks) {
    if (!fs::exists(disk.file)) {
      throw ImageError(profile_.name + ": the disk image " + disk.file.string() +
                       " does not exist (profile " + profile_.source.string() + ")");
    }
    if (disk.mode == DiskSpec::Mode::kOverlay) {
      const fs::path overlay = *run_dir_ / (disk.node_name + ".overlay.qcow2");
      create_overlay(disk.file, disk.format, overlay);
      launch.disk_files.push_back(overlay);
    } else {
      launch.disk_files.push_back(disk.file);
    }
  }

  for (int attempt = 1;; ++attempt) {
    host_ports_.clear();
    for (const auto& nic : profile_.nics) {
      for (const auto& f : nic.forwards) host_ports_[f.name] = free_loopback_port();
    }
    launch.host_ports = host_ports_;
    const std::vector<std::string> argv = qemu_argv(profile_, launch);
    note("starting: " + join_argv(argv));

    UnixListener console_listener(launch.console_socket);
    UnixListener qmp_listener(launch.qmp_socket);
    started_at_ = std::chrono::steady_clock::now();
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
      copts.shell_prompt = profile_.login.shell_prompt;
      copts.on_closed = [this] { throw_if_exited(); };
      console_ = std::make_unique<SerialConsole>(std::move(*console_fd), std::move(copts));
      for (const auto& w : profile_.panic_patterns) console_->add_watcher(w.name, w.pattern);
      qmp_ = std::make_unique<QmpClient>(std::move(*qmp_fd), log_dir_ / "qmp.log",
                                         options_.start_timeout, [this] { throw_if_exited(); });
      note("console and QMP connected after " +
           seconds_text(std::chrono::steady_clock::now() - started_at_));
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
  try {
    if (process_ && process_->running()) shutdown();
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
  if (!process_->wait_for_exit(grace)) return;
  throw QemuError(profile_.name + ": QEMU (pid " + std::to_string(process_->pid()) + ") " +
                  process_->exit_description() + "; qemu.log ends with:\n" +
                  process_->log_tail(2048));
}

std::vector<BootMarkerTime> Machine::wait_for_boot() {
  std::vector<BootMarkerTime> times;
  const auto deadline = started_at_ + profile_.timeouts.boot;
  for (const auto& marker : profile_.boot_markers) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    console_->expect(marker.pattern, std::max(left, std::chrono::milliseconds(0)));
    const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_at_);
    note("boot marker '" + marker.name + "' after " + seconds_text(after));
    times.push_back({marker.name, after});
  }
  return times;
}

void Machine::shutdown(std::optional<std::chrono::milliseconds> timeout) {
  if (!process_ || !process_->running()) return;
  const auto budget = timeout.value_or(profile_.timeouts.shutdown);
  try {
    // A guest that panicked cannot power itself off: go straight to quit.
    if (const auto hit = console_->watcher_hit()) {
      note("shutdown: the guest showed " + hit->name + "; QMP quit");
    } else {
      note("shutdown: system_powerdown, waiting up to " + seconds_text(budget));
      qmp_->execute("system_powerdown", {}, std::chrono::seconds(5));
      if (process_->wait_for_exit(budget)) {
        note("QEMU " + process_->exit_description() + " after powerdown");
        return;
      }
      note("the guest did not power off; QMP quit");
    }
    qmp_->execute("quit", {}, std::chrono::seconds(5));
  } catch (const Error& e) {
    note(std::string("shutdown: ") + e.what());
  }
  if (!process_->wait_for_exit(std::chrono::seconds(5))) {
    note("QEMU did not quit; SIGKILL");
    process_->kill();
  }
  note("QEMU " + process_->exit_description());
}

void Machine::crash() {
  note("crash: SIGKILL to QEMU");
  process_->kill();
}

}  // namespace hurdle
