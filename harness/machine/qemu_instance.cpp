#include "machine/qemu_instance.hpp"

#include <sys/wait.h>

#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/unix_socket.hpp"
#include "qemu/host_port.hpp"

namespace hurdle {

namespace {

constexpr int kStartAttempts = 3;  // a forwarded port taken between choice and QEMU's bind

}  // namespace

std::string argv_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv)
    s += (s.empty() ? "" : " ") + (a.find(' ') == std::string::npos ? a : "'" + a + "'");
  return s;
}

QemuInstance::QemuInstance(std::string machine, QemuInstanceOptions options, LogFile& log)
    : machine_(std::move(machine)), options_(std::move(options)), log_(log) {}

QemuInstance::~QemuInstance() {
  // The connections first: their reader threads call back into this object.
  qmp_.reset();
  console_.reset();
  channel_.reset();
  process_.reset();  // kills and reaps whatever is left
}

std::unique_ptr<QemuInstance> QemuInstance::launch(
    const MachineProfile& profile, QemuLaunch launch,
    const std::map<std::string, std::uint16_t>& ports, QemuInstanceOptions options, LogFile& log) {
  std::unique_ptr<QemuInstance> q(new QemuInstance(profile.name, std::move(options), log));
  launch.console_socket = q->options_.run_dir / "console.sock";
  launch.qmp_socket = q->options_.run_dir / "qmp.sock";
  if (profile.command_channel) launch.channel_socket = q->options_.run_dir / "channel.sock";
  for (int attempt = 1;; ++attempt) {
    if (attempt == 1 && !ports.empty()) {
      q->ports_ = ports;
    } else {
      q->ports_.clear();
      for (const auto& nic : profile.nics) {
        for (const auto& f : nic.forwards) q->ports_[f.name] = free_loopback_port();
      }
    }
    launch.host_ports = q->ports_;
    if (q->start(profile, launch, attempt == kStartAttempts)) return q;
  }
}

bool QemuInstance::start(const MachineProfile& profile, const QemuLaunch& launch,
                         bool last_attempt) {
  const std::vector<std::string> argv = qemu_argv(profile, launch);
  log_.write("starting: " + argv_line(argv));
  UnixListener console_listener(launch.console_socket);
  UnixListener qmp_listener(launch.qmp_socket);
  std::optional<UnixListener> channel_listener;
  if (!launch.channel_socket.empty()) channel_listener.emplace(launch.channel_socket);
  started_at_ = std::chrono::steady_clock::now();
  log_.count_from(started_at_);
  process_ = std::make_unique<QemuProcess>(argv, options_.log_dir / "qemu.log");
  log_.write("QEMU pid " + std::to_string(process_->pid()));

  bool timed_out = false;
  auto console_fd = console_listener.accept(options_.start_timeout, process_->exit_fd(), timed_out);
  auto qmp_fd = console_fd
                    ? qmp_listener.accept(options_.start_timeout, process_->exit_fd(), timed_out)
                    : std::optional<UniqueFd>();
  std::optional<UniqueFd> channel_fd;
  if (qmp_fd && channel_listener)
    channel_fd = channel_listener->accept(options_.start_timeout, process_->exit_fd(), timed_out);
  if (console_fd && qmp_fd && (channel_fd || !channel_listener)) {
    // The machine's word first (a power-off it asked for), then how QEMU ended.
    const std::function<void()> on_closed = [this] {
      if (options_.on_closed) options_.on_closed();
      throw_if_exited();
    };
    ConsoleOptions copts;
    copts.machine_name = machine_;
    copts.transcript = options_.log_dir / "console.txt";
    copts.raw_transcript = options_.log_dir / "console.log";
    copts.secrets = options_.secrets;
    copts.shell_prompt = profile.login.shell_prompt;
    copts.on_closed = on_closed;
    if (!options_.keep_running_after_panic) {
      copts.on_watcher_hit = [this](const WatcherHit& hit) {
        stop(hit.name + " seen on the console: " + hit.line);
      };
    }
    console_ = std::make_unique<SerialConsole>(std::move(*console_fd), std::move(copts));
    for (const auto& w : profile.panic_patterns) console_->add_watcher(w.name, w.pattern);
    QmpClient::EventHandler on_event;
    if (options_.on_event)
      on_event = [this](const QmpClient::Json& event) { options_.on_event(*this, event); };
    qmp_ = std::make_unique<QmpClient>(std::move(*qmp_fd), options_.log_dir / "qmp.log",
                                       options_.start_timeout, on_closed, options_.secrets,
                                       std::move(on_event));
    if (channel_fd) {
      CommandChannelOptions chopts;
      chopts.machine = machine_;
      chopts.log_file = options_.log_dir / "channel.log";
      chopts.secrets = options_.secrets;
      chopts.abort_fd = process_->exit_fd();
      chopts.on_closed = on_closed;
      channel_ = std::make_unique<CommandChannel>(std::move(*channel_fd), std::move(chopts));
    }
    log_.write("console and QMP connected after " +
               seconds_text(std::chrono::steady_clock::now() - started_at_));
    return true;
  }
  if (timed_out) {
    process_->kill();
    const std::string tail = process_->log_tail();
    throw QemuError(machine_ + ": QEMU did not connect its console and QMP within " +
                        seconds_text(options_.start_timeout) + "; qemu.log ends with:\n" + tail,
                    argv, process_->exit_description(), tail);
  }
  process_->wait_for_exit(std::chrono::seconds(5));
  const std::string tail = process_->log_tail();
  log_.write("QEMU " + process_->exit_description() + " at start");
  if (!last_attempt && tail.find("host forwarding rule") != std::string::npos) return false;
  throw QemuError(machine_ + ": QEMU " + process_->exit_description() + " at start; qemu.log (" +
                      (options_.log_dir / "qemu.log").string() + ") ends with:\n" + tail,
                  argv, process_->exit_description(), tail);
}

bool QemuInstance::power_down(std::chrono::milliseconds budget) {
  try {
    log_.write("shutdown: system_powerdown, waiting up to " + seconds_text(budget));
    qmp_->execute("system_powerdown", {}, std::chrono::seconds(5));
    if (process_->wait_for_exit(budget)) {
      log_.write("QEMU " + process_->exit_description() + " after powerdown");
      return true;
    }
  } catch (const Error& e) {
    log_.write(std::string("shutdown: ") + e.what());
  }
  return false;
}

void QemuInstance::quit(const std::string& why) {
  if (!process_->running()) return;
  log_.write(why + ": QMP quit");
  try {
    qmp_->execute("quit", {}, std::chrono::seconds(5));
  } catch (const Error& e) {
    log_.write(std::string("quit: ") + e.what());
  }
  if (!process_->wait_for_exit(std::chrono::seconds(5))) {
    log_.write("QEMU did not quit; SIGKILL");
    process_->kill();
  }
  log_.write("QEMU " + process_->exit_description());
}

void QemuInstance::stop(const std::string& why) {
  log_.write(why + "; stopping QEMU now");
  {
    std::lock_guard lock(stop_mutex_);
    if (stopped_because_.empty()) stopped_because_ = why;
  }
  process_->kill();
}

void QemuInstance::throw_if_exited(std::chrono::milliseconds grace) const {
  std::string because;
  {
    std::lock_guard lock(stop_mutex_);
    because = stopped_because_;
  }
  // hurdle killed QEMU itself: it is gone or going, whether or not it has been reaped yet (the
  // guest's connections close before QEMU's exit can be seen).
  if (!because.empty()) throw QemuError(machine_ + ": QEMU was stopped by hurdle after " + because);
  if (!process_->wait_for_exit(grace)) return;
  const std::string tail = process_->log_tail(2048);
  const std::string message = machine_ + ": QEMU (pid " + std::to_string(process_->pid()) + ") " +
                              process_->exit_description() + "; qemu.log ends with:\n" + tail;
  // A signal hurdle did not send: QEMU crashed, or the host killed it.
  if (const auto status = process_->exit_status(); status && WIFSIGNALED(*status))
    throw QemuCrashed(message, process_->argv(), process_->exit_description(), tail);
  throw QemuError(message, process_->argv(), process_->exit_description(), tail);
}

}  // namespace hurdle
