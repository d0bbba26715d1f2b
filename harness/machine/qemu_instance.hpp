// One launched QEMU with its serial console and QMP connected: the life cycle under Machine,
// in the steps QEMU's own python machine.py names. launch(): the forwarded ports chosen, the
// two sockets listened on, the argv built, the process started and both connections accepted
// (again with other ports when one was taken meanwhile). The ways down: power_down() asks the
// guest (ACPI's button) and waits; quit() does not ask it (QMP quit, a wait, SIGKILL: the one
// such sequence in hurdle); stop() is hurdle's emergency stop (a panic watcher, a full disk):
// killed at once, and every later wait says why. The destructor kills what is left.
//
// Machine keeps what outlives one QEMU (the disks, the snapshots' states, SSH, the log); a
// power cycle is a new QemuInstance on the same disks.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "console/command_channel.hpp"
#include "console/serial_console.hpp"
#include "core/log_file.hpp"
#include "qemu/machine_profile.hpp"
#include "qemu/qemu_command.hpp"
#include "qemu/qemu_process.hpp"
#include "qmp/qmp_client.hpp"

namespace hurdle {

class QemuInstance;

struct QemuInstanceOptions {
  std::filesystem::path run_dir;  // console.sock and qmp.sock
  std::filesystem::path log_dir;  // qemu.log, qmp.log, console.log (raw), console.txt
  // How long QEMU may take to connect its console and QMP sockets.
  std::chrono::milliseconds start_timeout{std::chrono::seconds(30)};
  std::vector<std::string> secrets;  // masked in every log
  // A panic watcher's hit stops QEMU (stop()) unless this is set.
  bool keep_running_after_panic = false;
  // Called first when the console or QMP finds its connection closed, to throw what the
  // machine knows (a power-off it asked for); throw_if_exited() says how QEMU ended after it.
  std::function<void()> on_closed;
  // QMP's asynchronous events, on the QMP reader thread (must not wait for QMP).
  std::function<void(QemuInstance&, const QmpClient::Json&)> on_event;
};

class QemuInstance {
 public:
  // Starts QEMU for `profile` with `launch` (its console_socket, qmp_socket and host_ports
  // are filled in here); `ports` are tried first (a power cycle keeps SSH where it was), else
  // new free ports are chosen. Writes its steps to `log` (whose elapsed stamps count from
  // QEMU's start). Throws QemuError with QEMU's command line, exit status and log tail.
  static std::unique_ptr<QemuInstance> launch(const MachineProfile& profile, QemuLaunch launch,
                                              const std::map<std::string, std::uint16_t>& ports,
                                              QemuInstanceOptions options, LogFile& log);
  ~QemuInstance();
  QemuInstance(const QemuInstance&) = delete;
  QemuInstance& operator=(const QemuInstance&) = delete;

  [[nodiscard]] SerialConsole& console() { return *console_; }
  [[nodiscard]] QmpClient& qmp() { return *qmp_; }
  // The profile's command channel; null when it has none.
  [[nodiscard]] CommandChannel* channel() { return channel_.get(); }
  [[nodiscard]] QemuProcess& process() { return *process_; }
  [[nodiscard]] const std::map<std::string, std::uint16_t>& host_ports() const { return ports_; }
  [[nodiscard]] std::chrono::steady_clock::time_point started_at() const { return started_at_; }
  [[nodiscard]] bool running() const { return process_->running(); }

  // ACPI's power button (QMP system_powerdown), then up to `budget` for QEMU to end; false
  // when it did not (the caller then quits it). Errors from QMP are logged, not thrown.
  bool power_down(std::chrono::milliseconds budget);
  // QMP quit, a wait of up to 5 s, then SIGKILL; always reaped; `why` goes to the log.
  void quit(const std::string& why);
  // Kills QEMU at once and remembers `why`: throw_if_exited() says it from then on.
  void stop(const std::string& why);
  // Throws QemuError when QEMU has exited (waiting up to `grace` for it to finish exiting) or
  // hurdle stopped it, with the pid, how it ended and the end of qemu.log.
  void throw_if_exited(std::chrono::milliseconds grace = std::chrono::seconds(1)) const;

 private:
  QemuInstance(std::string machine, QemuInstanceOptions options, LogFile& log);
  // One attempt; false when QEMU ended before connecting and the log says a port was taken.
  bool start(const MachineProfile& profile, const QemuLaunch& launch, bool last_attempt);

  std::string machine_;
  QemuInstanceOptions options_;
  LogFile& log_;
  std::map<std::string, std::uint16_t> ports_;
  std::chrono::steady_clock::time_point started_at_;
  std::unique_ptr<QemuProcess> process_;
  std::unique_ptr<SerialConsole> console_;
  std::unique_ptr<QmpClient> qmp_;
  std::unique_ptr<CommandChannel> channel_;
  mutable std::mutex stop_mutex_;  // guards stopped_because_ (set on reader threads)
  std::string stopped_because_;
};

// "qemu-system-x86_64 -m 512 ... 'a b'": an argv as one line, for logs and errors.
[[nodiscard]] std::string argv_line(const std::vector<std::string>& argv);

}  // namespace hurdle
