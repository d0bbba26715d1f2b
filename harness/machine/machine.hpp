// A virtual machine under test: QEMU started from a MachineProfile, with its serial console,
// its QMP connection and its logs. The object owns everything it starts; destroying it stops
// QEMU (gracefully when it can, killed otherwise) and removes the private run directory, while
// the logs stay in log_dir(). Many machines can run in one process; none shares state.
//
// Machine is the vocabulary a test reads (boot, login, run, succeed, snapshot, restore,
// power_off...) over smaller parts: QemuInstance (one QEMU's life cycle: launch, quit, stop),
// GuestSsh (the client, the keys, the background reconnect), ConsoleShell (the shell on the
// serial console), SnapshotStore and Migration (QMP's snapshot jobs and migration streams),
// SavedMachine and MachineTemplate (a saved machine's manifest and checks). Its state is
// written down (MachineState) and checked by every operation that needs one; every command
// goes through one primitive, execute().
//
//   auto vm = hurdle::Machine::from_profile("linux-mini");
//   vm->wait_for_boot();
//   vm->console().expect("login: ", 30s);
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/variables.hpp"
#include "console/serial_console.hpp"
#include "core/log_file.hpp"
#include "core/private_folder.hpp"
#include "machine/console_shell.hpp"
#include "machine/guest_ssh.hpp"
#include "machine/image_resolver.hpp"
#include "machine/machine_facts.hpp"
#include "machine/machine_state.hpp"
#include "machine/migration.hpp"
#include "machine/qemu_instance.hpp"
#include "machine/saved_machine.hpp"
#include "machine/snapshot_store.hpp"
#include "qemu/accelerator.hpp"
#include "qemu/disk_overlay.hpp"
#include "qemu/machine_profile.hpp"
#include "qemu/qemu_command.hpp"
#include "qemu/qemu_process.hpp"
#include "qmp/qmp_client.hpp"
#include "ssh/ssh_client.hpp"

namespace hurdle {

struct MachineOptions {
  // Overrides the profile's accelerator; when unset, HURDLE_ACCEL does, if set.
  std::optional<Accelerator> accel;
  // Where verdicts that outlive the machine are kept (the accelerator probe's): unset means
  // user_cache_directory(); an empty path turns caching off.
  std::optional<std::filesystem::path> cache_dir;
  // Where qemu.log, qmp.log, console.log (raw), console.txt (clean) and machine.log go.
  // Empty: a new folder under $TMPDIR/hurdle-logs/, kept after the machine is gone.
  std::filesystem::path log_dir;
  // Variables for the profile's ${...} (used by from_profile).
  Variables variables;
  // How long QEMU may take to connect its console and QMP sockets.
  std::chrono::milliseconds start_timeout{std::chrono::seconds(30)};
  // Folders searched by from_profile for NAME.yaml; HURDLE_PROFILE_PATH (':'-separated) and
  // ./fixtures/machines are searched after these.
  std::vector<std::filesystem::path> profile_path;
  // The image lock entry to boot instead of the one the profile's `image:` names.
  std::string image;
  // How from_profile gets the profile's image (lock, cache, fetching, progress).
  ImageSettings images;
  // A panic watcher's hit stops QEMU at once (a panicked GNU Mach busy-waits 1000 s); true
  // keeps it running, for a person to look at (its kernel debugger, its screen).
  bool keep_running_after_panic = false;
  // Values shown as "********" in every log the machine writes (console, SSH, QMP, machine).
  std::vector<std::string> secrets;
  // Where the disk overlays go, with the snapshots in them (each holds a copy of the guest's
  // RAM): unset means $HURDLE_WORK_DIR, else the user cache folder's runs/. Not
  // $XDG_RUNTIME_DIR, often a tmpfs of a tenth of RAM. Checked for room before the boot.
  std::optional<std::filesystem::path> work_dir;
  // Where the guest's RAM lives while the machine runs, shared with that file: a machine that
  // save_template() can make a template of. Empty: anonymous memory.
  std::filesystem::path template_ram;
  // QEMU options that look at the guest without changing what it runs on (a GDB stub, a debug
  // log, a VNC display): added to the profile's, also for a saved machine that resumes.
  std::vector<std::string> debug_qemu_args;
};

class MachineTemplate;

// What a restore did: how long QEMU took, how the guest was proven alive afterwards, and how
// long that took; load + verify is when the console is ready. SSH reconnects in the
// background meanwhile: ssh_ready_after_restore() says when it was ready.
struct RestoreReport {
  std::string tag;
  std::chrono::milliseconds load{0};
  std::chrono::milliseconds verify{0};
  // "channel round trip", "console round trip", "ssh round trip", "query-status running"
  std::string verified_by;
};

// How a power_off() ended: the guest powered the machine off (QEMU's SHUTDOWN event, with its
// reason), or it printed the profile's `halted` line (hurdle then let QEMU go).
struct PowerOffReport {
  std::string by;
  std::chrono::milliseconds took{0};
};

// How execute() runs a command, `over`:
// - `auto`: the profile's command channel when it answers (and its user is SSH's, if the
//   profile has SSH), else SSH when the profile has it, else the console's shell, logged in
//   first with the profile's login when none is;
// - `ssh-or-channel`: what the `ssh.*` steps use: the channel under the same rule, else SSH
//   (ConfigError for a profile without SSH);
// - `ssh`, `channel`, `console`: that one only (the console's shell as it is).
// Within `timeout` (unset: the profile's command time-out); `live` also gets the output as it
// comes (SSH only: a command with live output goes over SSH). Over SSH one rule says how long
// it may wait for a connection (GuestSsh::for_command): a guest whose SSH never answered gets
// the profile's ready time-out, one that answered before reconnects within the command's.
struct ExecuteOptions {
  enum class Over { kAuto, kSshOrChannel, kSsh, kChannel, kConsole };
  Over over = Over::kAuto;
  std::optional<std::chrono::milliseconds> timeout;
  const LiveOutput* live = nullptr;
};

struct BootMarkerTime {
  std::string name;
  std::chrono::milliseconds after;  // since QEMU was started
};

class Machine {
 public:
  // Starts QEMU. Throws ImageError (a disk is missing), QemuError (QEMU would not start or
  // connect; the message has its exit status and the end of qemu.log), ConfigError.
  static std::unique_ptr<Machine> start(MachineProfile profile, MachineOptions options = {});
  // Loads fixtures/machines/NAME.yaml (or a path) and starts it.
  static std::unique_ptr<Machine> from_profile(const std::string& name_or_path,
                                               MachineOptions options = {});

  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  [[nodiscard]] const std::string& name() const { return profile_.name; }
  [[nodiscard]] const MachineProfile& profile() const { return profile_; }
  [[nodiscard]] SerialConsole& console() { return qemu_->console(); }
  [[nodiscard]] QmpClient& qmp() { return qemu_->qmp(); }
  [[nodiscard]] QemuProcess& process() { return qemu_->process(); }
  [[nodiscard]] const AcceleratorChoice& accelerator() const { return accel_; }
  // What reports say of this machine, as data (QEMU's version from its QMP greeting).
  [[nodiscard]] MachineFacts facts();
  [[nodiscard]] const std::filesystem::path& log_dir() const { return log_dir_; }
  // Where this machine keeps what outlives runs (empty: no caching); see MachineOptions.
  [[nodiscard]] std::filesystem::path cache_dir() const;
  [[nodiscard]] const std::filesystem::path& run_dir() const { return run_dir_->path(); }
  // Where this machine's disk overlays are (see MachineOptions::work_dir).
  [[nodiscard]] std::filesystem::path work_dir() const;
  // The port on 127.0.0.1 forwarded to the guest port the profile names `forward` (e.g. "ssh").
  [[nodiscard]] std::uint16_t host_port(const std::string& forward) const;
  [[nodiscard]] const std::vector<std::string>& argv() const { return qemu_->process().argv(); }
  // The files QEMU has open for the profile's disks (an overlay's, for an overlay disk).
  [[nodiscard]] const std::vector<std::filesystem::path>& disk_files() const { return disk_files_; }
  // Writes the private key the guest trusts for SSH (this run's, hurdle's own, or the
  // profile's) to `file` (0600), for a person's own ssh; false when its SSH takes no key.
  bool save_ssh_key(const std::filesystem::path& file) const;

  // Waits for the profile's boot markers in order, within its boot time-out (or `timeout`),
  // counted from QEMU's start; logs each one's time. A time-out's TimeoutError names how much the
  // serial console printed and where the screenshot taken then is (boot-timeout.png in log_dir():
  // for a guest whose console is on the screen, the only picture of the stall).
  std::vector<BootMarkerTime> wait_for_boot(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // Logs in on the serial console (profile's user and password when not given) and waits for
  // the shell prompt. As the profile's SSH user, then installs the key SSH will use: this
  // run's (`auth: ephemeral-key`) or hurdle's own (`hurdle-key`: for a disk that hurdle did
  // not prepare), unless authorized_keys has it already.
  void login(std::optional<std::string> user = std::nullopt,
             std::optional<std::string> password = std::nullopt);

  // SSH: the shared session, connected and proven to answer (within the profile's
  // ssh.ready_timeout). Throws ConfigError when the profile has no SSH.
  SshClient& ssh();
  // The host key pinned for this run (none before the first connection); does not connect.
  HostKeyPin& ssh_host_key_pin() { return ssh_client().host_key_pin(); }
  // The one way a command runs in the guest (see ExecuteOptions): its result as it is, for
  // the caller to judge. Over the console the output is one stream (`out`; `err` stays empty).
  // ConfigError for SSH on a machine without it; QemuError when the machine is not running
  // (naming its state).
  CommandResult execute(const std::string& command, const ExecuteOptions& how = {});
  // execute() over SSH: the `ssh.*` steps and `hurdle vm`'s ssh_run.
  CommandResult run_over_ssh(const std::string& command,
                             std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                             const LiveOutput* live = nullptr) {
    return execute(command, {ExecuteOptions::Over::kSsh, timeout, live});
  }
  // execute() over `auto`: the command channel, else SSH, else the console's shell.
  CommandResult run(const std::string& command,
                    std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    return execute(command, {ExecuteOptions::Over::kAuto, timeout, nullptr});
  }
  // Runs `command`, returns its stdout; throws CommandFailed (status, stdout, stderr) if not 0.
  std::string succeed(const std::string& command,
                      std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Runs `command`, which must fail; throws CommandFailed if it exits with 0.
  CommandResult fail(const std::string& command,
                     std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Retries `command` every `interval` (unset: a back-off from 0.2 s to 2 s) until it exits
  // with 0 (returns its stdout) or `timeout` passes (TimeoutError with the last result).
  std::string wait_until_succeeds(const std::string& command, std::chrono::milliseconds timeout,
                                  std::optional<std::chrono::milliseconds> interval = std::nullopt);
  // Copies a file (mode kept), or a folder's contents into `remote` as one tar stream (modes,
  // symlinks and times kept; `exclude`: glob patterns for names or relative paths to leave out).
  void put(const std::filesystem::path& local, const std::string& remote,
           std::optional<std::chrono::milliseconds> timeout = std::nullopt,
           const std::vector<std::string>& exclude = {});
  // Fetches a file into `local` (never through a symlink there; without setuid, setgid or
  // sticky bits); more than `max_bytes` is an error and leaves no file. A folder comes back
  // as a tar stream of at most `max_bytes`, unpacked into `local` under the same rules (no
  // name outside it, nothing written through a symlink, no devices).
  void get(const std::string& remote, const std::filesystem::path& local,
           std::optional<std::chrono::milliseconds> timeout = std::nullopt,
           std::uint64_t max_bytes = SshSession::kDefaultGetLimit);

  // Snapshots of the whole machine (RAM, devices, disks) in the per-run overlays.
  std::chrono::milliseconds snapshot(const std::string& tag);
  // False when the machine has no writable qcow2 disk to keep snapshots in (a live ISO).
  [[nodiscard]] bool supports_snapshots() const { return snapshots_ && snapshots_->usable(); }
  // Loads `tag`; the console drops output from before, the host-key pin is the one of the
  // snapshot, and the guest is proven alive (prove_alive: on the command channel when it
  // answered then, SSH reconnecting only when a command needs it; else by a marker the shell
  // echoes on the console when it waited at its prompt, SSH then reconnecting in the
  // background when it answered then; else an SSH round trip; else QMP status running).
  RestoreReport restore(const std::string& tag);
  // When the SSH reconnect the last restore (or clone) started was ready, counted from the
  // start of that restore; waits for it unless `wait` is false. Unset when none was started,
  // it failed, or (not waiting) it is not done yet.
  std::optional<std::chrono::milliseconds> ssh_ready_after_restore(bool wait = true);
  // The same as a moment: when SSH was ready again (a spare clone's may be before its use).
  std::optional<std::chrono::steady_clock::time_point> ssh_ready_at(bool wait = true);
  void delete_snapshot(const std::string& tag);
  [[nodiscard]] std::vector<std::string> snapshots();

  // Reboots the guest with the profile's reboot command (over SSH if it answers, else the
  // console) and waits for its boot markers again; hard: a QMP system_reset instead.
  std::vector<BootMarkerTime> reboot(bool hard = false);
  // Powers the guest off from inside with `command` (the profile's power_off.command when
  // unset; over SSH when it answers, else on the console) and waits, within `timeout` (else
  // the profile's shutdown and command time-outs), for QEMU's SHUTDOWN event from the guest
  // or the profile's `halted` console line; then QEMU is gone. Anything else (no sign within
  // the time, QEMU ending without the guest powering off, a panic) throws. The disks stay as
  // the guest left them, snapshots included: power_on() boots them again, and restore()
  // starts QEMU on them to load a snapshot.
  PowerOffReport power_off(std::optional<std::string> command = std::nullopt,
                           std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Starts QEMU again on the disks of a machine that power_off() stopped, then waits for the
  // boot markers (panic watchers active: an fsck complaint fails the boot). Throws QemuError
  // when the machine was not powered off.
  std::vector<BootMarkerTime> power_on(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  [[nodiscard]] bool powered_off() const { return state() == MachineState::kPoweredOff; }
  // What the machine is now (machine_state.hpp).
  [[nodiscard]] MachineState state() const;

  // Saves the running machine into `folder` (see SavedMachine: RAM and devices as a migration
  // stream, each overlay disk's changes over its base, the SSH key the guest trusts, a
  // manifest; the folder is made its owner's alone, 0700), pausing it meanwhile; it runs on
  // afterwards. `profile_variables` and `image`
  // are what its profile was loaded with (a resume loads it again with them); `reason` says
  // why, for the person who resumes it.
  SavedMachine save_to(const std::filesystem::path& folder, const Variables& profile_variables,
                       const std::string& image, const std::string& reason);
  // Starts a machine that save_to() saved, at the moment it was saved: its profile found by
  // name (its sha256 must be the saved one), each base found or fetched and checked against
  // the manifest, the saved disk changes on top, and QEMU started with -incoming from the
  // state. Throws ConfigError or ImageError naming what differs; QemuError if QEMU fails.
  static std::unique_ptr<Machine> resume(const std::filesystem::path& folder,
                                         MachineOptions options = {});

  // Turns the machine into a template in `folder` (see MachineTemplate): pauses it, saves its
  // device state without the RAM (already in options.template_ram, which QEMU wrote), lets
  // QEMU go and moves the overlays into `folder` as the frozen disks clones start on. The
  // machine is then gone for good (its QEMU has quit; its disks are the template's).
  // `profile_variables` and `image` are what its profile was loaded with. Throws QemuError
  // when it was not started with template_ram, or the save fails.
  SavedMachine save_template(const std::filesystem::path& folder,
                             const Variables& profile_variables, const std::string& image);
  // A new machine from a template, as the template was when saved: a new QEMU that maps the
  // template's RAM privately (copy-on-write: the file is never written), new overlays over
  // its frozen disks, the device state loaded with -incoming, the guest proven alive as after
  // a restore (on the command channel, else the console, ...). The host
  // key and the SSH key are the template's. Nothing a clone does reaches the template or
  // another clone; destroying it kills its QEMU at once (its disks are thrown away).
  // Throws QemuError when the template does not load (a damaged one: discard it).
  static std::unique_ptr<Machine> clone(const MachineTemplate& from, MachineOptions options = {});
  // The last restore(), or the start of a clone: how long the state took to load and the
  // guest to answer.
  [[nodiscard]] const RestoreReport& last_restore() const { return last_restore_; }

  // Saves the display as PNG (QMP screendump).
  void screenshot(const std::filesystem::path& png);

  // Asks the guest to power off (ACPI), then QEMU to quit, then kills it; always reaped. A
  // guest that panicked or whose boot stalled is not asked: QEMU is told to quit at once.
  void shutdown(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Kills QEMU at once, as a crash would.
  void crash();
  // QMP quit, a wait of up to 5 s, then SIGKILL; always reaped; `why` goes to machine.log.
  // The guest is not asked (see shutdown()).
  void quit_qemu(const std::string& why);
  [[nodiscard]] bool running() const { return qemu_ && qemu_->running(); }

  // Appends a time-stamped line to machine.log.
  void note(const std::string& line);
  // Throws QemuError when QEMU has exited (waiting up to `grace` for it to finish exiting).
  void throw_if_exited(std::chrono::milliseconds grace = std::chrono::seconds(1));
  // Set when a disk's file ran out of room on the host: QEMU paused the guest (a BLOCK_IO_ERROR
  // event with `nospace`), and hurdle stopped QEMU (unless keep_running_after_panic) so that
  // every wait ends at once with this text instead of a time-out. Names the disk, the folder
  // its file is in and the space left there. Nothing run on this host can go on: the
  // runner ends the suite with it as an infrastructure error.
  [[nodiscard]] std::optional<std::string> out_of_space() const;

 private:
  Machine(MachineProfile profile, MachineOptions options);
  void launch();
  void make_work_dir();
  // The files QEMU opens for the profile's disks (a new overlay for each overlay disk).
  void make_disks();
  // A QemuInstance on the disks make_disks() made, its console and QMP connected; `same_ports`
  // tries the forwarded ports of the QEMU before first (a power cycle keeps SSH where it was).
  void start_qemu(bool same_ports);
  // After power_off(): QEMU anew on the same disks, without waiting for the guest.
  void relaunch(const std::string& why);
  // A reboot or power-off command: over SSH when it answers (not waiting long for its report:
  // the guest may go before it answers), else typed on the console; SSH is then disconnected.
  void send_going_down(const std::string& command, const std::string& why);
  // power_off()'s wait for QEMU's SHUTDOWN from the guest or the profile's halted line;
  // returns which it was.
  std::string wait_for_power_off(const std::string& cmd, std::chrono::milliseconds budget,
                                 std::uint64_t mark);
  // resume() and clone(): sends QEMU (started with -incoming defer) the saved state, waits for
  // it to load and lets the guest run on.
  void load_incoming_state();
  // save_template(): the overlays become the template's read-only disks in `folder`.
  void freeze_overlays(const std::filesystem::path& folder, const SavedMachine& saved);
  // Whether the command channel answers now (asked, when it has not since the last restore or
  // boot): what execute() needs to use it, and what a snapshot or a saved machine records, so
  // that its restore can prove itself there.
  bool channel_answers_now();
  // After a restore or a clone's start: proves the guest alive on the command channel when
  // `channel_answered` (SSH reconnects when a command needs it), else on the console when its
  // shell waits at the prompt (then reconnects SSH in the background when `ssh_answered`),
  // else by an SSH round trip when it answered, else by QMP status running (QemuError naming
  // `after` if not). Returns how.
  std::string prove_alive(bool ssh_answered, bool channel_answered,
                          std::chrono::steady_clock::time_point since, const std::string& after);
  // Throws QemuError naming the machine's state when it is not one of `wanted` (`doing`: what
  // was asked, for the message).
  void require(std::initializer_list<MachineState> wanted, const std::string& doing) const;
  // How clone() and resume() start a machine from a saved one: everything that differs from a
  // boot, applied in one place (start_saved) before QEMU starts.
  struct SavedStart {
    std::map<std::string, OverlayStart> disk_starts;  // where each overlay disk starts
    MigrationFile incoming;                           // the state QEMU loads
    std::optional<RamFile> ram;
    bool throwaway = false;      // a clone: killed, never stopped
    std::string host_key;        // the pin when it was saved (empty: none)
    bool key_installed = false;  // the guest trusts the saved SSH key
    bool console_at_prompt = false;
    bool console_logged_in = false;
    std::string why;  // for machine.log
  };
  static std::unique_ptr<Machine> start_saved(MachineProfile profile, MachineOptions options,
                                              SavedStart saved);
  // The SSH host key pinned so far, if any.
  std::optional<HostKey> pinned_host_key();
  // What a saved machine's manifest says of this machine and its disks' bases.
  SavedMachine describe_for_saving(const Variables& profile_variables, const std::string& image,
                                   const std::string& reason);
  // The SSH client, after the checks (QEMU there, the profile has SSH); not connected.
  SshClient& ssh_client();
  void install_ssh_key();
  // execute() in the console's shell (`log_in`: first, when no shell is logged in).
  // The command channel execute() may use for `over` now (its rules above); null when not.
  CommandChannel* channel_for(ExecuteOptions::Over over, bool live);
  CommandResult execute_on_channel(CommandChannel& channel, const std::string& command,
                                   std::chrono::milliseconds timeout);
  CommandResult execute_on_console(const std::string& command, std::chrono::milliseconds timeout,
                                   bool log_in);
  // Where hurdle's own SSH key is kept (ssh/ in the image cache folder).
  [[nodiscard]] std::filesystem::path owned_key_cache() const;
  // QMP's asynchronous events, on the QMP reader thread (must not wait for QMP).
  void on_qmp_event(QemuInstance& qemu, const QmpClient::Json& event);
  // The folder on the host that holds the file QEMU writes for the disk `node_name`.
  [[nodiscard]] std::filesystem::path disk_folder(const std::string& node_name) const;
  // A boot marker's time-out, with a screenshot and what the console printed, for the error.
  std::string describe_boot_stall(const std::string& marker, const std::string& waited);
  [[nodiscard]] std::chrono::milliseconds command_timeout(
      std::optional<std::chrono::milliseconds> timeout) const {
    return timeout.value_or(profile_.timeouts.command);
  }

  MachineProfile profile_;
  MachineOptions options_;
  std::filesystem::path log_dir_;
  std::unique_ptr<LogFile> machine_log_;
  std::unique_ptr<PrivateFolder> run_dir_;
  std::unique_ptr<PrivateFolder> work_dir_;  // overlays; made at launch when a disk needs one
  AcceleratorChoice accel_;
  std::vector<std::filesystem::path> disk_files_;     // what QEMU opens, per profile disk
  std::vector<std::vector<DiskLayer>> disk_backing_;  // what is under each, named to QEMU
  // resume() and clone(): where make_disks() starts each overlay disk, and the state the next
  // QEMU gets with -incoming (RAM in it, or in ram_: a template's).
  std::map<std::string, OverlayStart> disk_starts_;
  std::optional<MigrationFile> incoming_;
  std::optional<RamFile> ram_;  // the guest's RAM in a file (template_ram, or a clone's)
  bool throwaway_ = false;      // a clone: nothing of it is kept, so it is killed, not stopped
  RestoreReport last_restore_;
  ConsoleShell shell_;  // the shell on the serial console, as hurdle knows it
  std::unique_ptr<GuestSsh> ssh_;
  std::unique_ptr<QemuInstance> qemu_;  // the QEMU of the moment (a power cycle makes another)
  std::unique_ptr<SnapshotStore> snapshots_;
  struct SnapshotState {
    std::optional<HostKey> host_key;  // the pin when it was taken
    bool ssh_answered = false;
    bool key_installed = false;
    bool console_at_prompt = false;
    bool console_logged_in = false;
    bool channel_answered = false;
  };
  std::map<std::string, SnapshotState> snapshot_states_;
  std::chrono::steady_clock::time_point started_at_;  // of QEMU, or of the last reboot
  mutable std::mutex log_mutex_;                      // guards out_of_space_
  std::optional<std::string> out_of_space_;
  // Running, boot-stalled, powered-off or templated (stopped is found from QEMU).
  std::atomic<MachineState> state_{MachineState::kRunning};
};

}  // namespace hurdle
