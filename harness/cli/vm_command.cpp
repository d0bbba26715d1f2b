#include "cli/vm_command.hpp"

#include <unistd.h>

#include <algorithm>

#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/raw_terminal.hpp"
#include "cli/vm_terminal.hpp"
#include "core/byte_text.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/json_text.hpp"
#include "core/print_error.hpp"
#include "core/safe_text.hpp"
#include "core/unix_socket.hpp"
#include "run/exec_over_ssh.hpp"
#include "vm/control_commands.hpp"
#include "vm/vm_client.hpp"
#include "vm/vm_launcher.hpp"
#include "vm/vm_supervisor.hpp"

namespace hurdle::cli {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

std::string ports_text(const InstanceRecord& r) {
  std::string text;
  for (const auto& [service, port] : r.ports)
    text += (text.empty() ? "" : " ") + service + "=127.0.0.1:" + std::to_string(port);
  return text.empty() ? "-" : text;
}

// How a person reaches the guest, printed by `start` and `info`.
void print_access(const InstanceRecord& r) {
  if (const auto ssh = r.ports.find("ssh"); ssh != r.ports.end() && !r.ssh_user.empty()) {
    std::cout << "  ssh:     hurdle vm ssh " << r.name << "   (or: ssh -p " << ssh->second
              << (r.ssh_key.empty() ? "" : " -i " + r.ssh_key.string()) << " " << r.ssh_user
              << "@127.0.0.1)\n";
  }
  std::cout << "  console: hurdle vm console " << r.name << "   (Ctrl-] leaves)\n";
  std::cout << "  monitor: hurdle vm monitor " << r.name << "\n";
  if (const auto gdb = r.ports.find("gdb"); gdb != r.ports.end())
    std::cout << "  gdb:     gdb -ex 'target remote 127.0.0.1:" << gdb->second << "'\n";
  if (const auto vnc = r.ports.find("vnc"); vnc != r.ports.end())
    std::cout << "  vnc:     127.0.0.1:" << vnc->second << " (display :" << vnc->second - 5900
              << ")\n";
  std::cout << "  logs:    " << r.log_dir.string() << "\n";
}

}  // namespace

void VmCommand::add_start_options(CLI::App* sub) {
  CLI::Option* profile =
      sub->add_option("--profile", profile_, "the machine profile (a name or a path)");
  CLI::Option* from =
      sub->add_option("--from", from_,
                      "a saved machine to start where it was saved (a failed-state folder of "
                      "--keep-failed-state, or what `hurdle exec --leave-running` saved)");
  CLI::Option_group* machine = sub->add_option_group("machine");
  machine->add_options(profile, from);
  machine->require_option(1);
  sub->add_option("--image", image_, "the image lock entry to boot instead of the profile's");
  sub->add_option("--accel", accel_, "auto, kvm or tcg (overrides the profile)");
  sub->add_flag("--debug", debug_, "log what QEMU sees the guest do wrong (qemu-debug.log)");
  sub->add_flag("--gdb", gdb_, "open QEMU's GDB stub on a port of 127.0.0.1");
  sub->add_flag("--vnc", vnc_, "show the display over VNC on 127.0.0.1");
  sub->add_flag("--no-wait", no_wait_, "return once QEMU runs, before the guest has booted");
  sub->add_flag("--login", login_, "log in on the serial console after the boot");
  sub->add_flag("--no-login", no_login_,
                "do not log in on the console (the default logs in when the profile has SSH)");
  sub->add_option("--log-dir", log_dir_,
                  "where the machine's logs go (default: the user cache's vm-logs/NAME/)");
  images_.add_to(sub);
}

CLI::App* VmCommand::add(const std::string& name, const std::string& help, bool takes_name) {
  CLI::App* sub = command_->add_subcommand(name, help);
  if (takes_name) sub->add_option("name", name_, "the VM's name")->required();
  sub_[name] = sub;
  return sub;
}

VmCommand::VmCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "vm",
      "A VM that outlives the command: start it, then look at it, snapshot it, drive its "
      "console, monitor and SSH, and stop it (nothing listens beyond 127.0.0.1)");
  command_->require_subcommand(1);

  add_start_options(add("start",
                        "Start a VM and return once its guest has booted (and logged in, with "
                        "SSH ready, when its profile has SSH)"));
  sub_["start"]->add_flag("--json", json_, "print the instance's record as JSON");
  CLI::App* serve_cmd = add("serve", "The supervisor of a VM (run by `vm start`)");
  serve_cmd->add_option("--ready-fd", ready_fd_, "where to say that the VM is ready");
  serve_cmd->add_option("--request", request_, "the LaunchRequest, as JSON")->required();
  serve_cmd->group("");  // not for people: `vm start` runs it

  add("list", "The VMs running (stale ones are cleaned up)", false)
      ->add_flag("--json", json_, "as JSON");
  add("status", "One VM's state: running, paused, booting...")
      ->add_flag("--json", json_, "as JSON");
  add("info", "QEMU's version, accelerator, CPUs, memory, disks, snapshots and ports")
      ->add_flag("--json", json_, "as JSON");

  snapshot_ = add("snapshot", "Snapshots of the whole VM (RAM, devices, disks)", false);
  snapshot_->require_subcommand(1);
  // The words of YAML's snapshot.* steps (docs/api.md); create and load are the older ones.
  for (const auto& [verb, alias, help] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"save", "create", "Take a snapshot named TAG (`create` is its older name)"},
           {"restore", "load", "Go back to snapshot TAG (`load` is its older name)"},
           {"delete", "", "Delete snapshot TAG"}}) {
    CLI::App* s = snapshot_->add_subcommand(verb, help);
    if (!alias.empty()) s->alias(alias);
    s->add_option("name", name_, "the VM's name")->required();
    s->add_option("tag", tag_, "the snapshot's name")->required();
    snapshot_sub_[verb] = s;
  }
  snapshot_sub_["list"] = snapshot_->add_subcommand("list", "The VM's snapshots");
  snapshot_sub_["list"]->add_option("name", name_, "the VM's name")->required();
  snapshot_sub_["list"]->add_flag("--json", json_, "as JSON");

  add("pause", "Stop the guest's CPUs");
  add("resume", "Let the guest's CPUs run again");
  add("reset", "Reset the machine (as its reset button) and wait for the boot")
      ->add_flag("--no-wait", no_wait_, "return at once");
  add("powerdown",
      "Press the power button (ACPI) and wait, with a deadline, for the guest to "
      "power off; says which happened (exit 1: it did not)")
      ->add_option("--timeout", timeout_, "seconds to wait (default 60)");
  add("quit", "Stop the VM now (QEMU quits; the guest is not asked)");
  add("kill", "Kill the VM's supervisor and QEMU at once (SIGKILL)");
  CLI::App* send_cmd = add("send", "Type TEXT on the serial console (and Enter)");
  send_cmd->add_option("text", text_, "what to type")->required();
  send_cmd->add_flag("--no-newline", no_newline_, "without Enter");
  CLI::App* ssh_cmd = add("ssh",
                          "Run a command in the guest over SSH (its status is the exit "
                          "status), or open a shell with ssh without one");
  ssh_cmd->add_option("command", ssh_command_, "the command and its arguments");
  ssh_cmd->prefix_command();  // everything after NAME belongs to the command
  add_exec();
  add("screenshot", "Save the display as PNG")->add_option("file", file_, "where")->required();
  CLI::App* health_cmd = add("health",
                             "Supervisor, QEMU, QMP and guest answering: one line, "
                             "exit 0 when all are, else 1");
  health_cmd->add_option("--watch", watch_,
                         "check every N seconds, logging each line to the "
                         "terminal and the instance's health.log");
  health_cmd->add_flag("--json", json_, "as JSON");
  CLI::App* stats_cmd = add("stats", "QEMU's memory, CPU time and overlay disk use");
  stats_cmd->add_option("--watch", watch_, "again every N seconds");
  stats_cmd->add_flag("--json", json_, "as JSON");
  CLI::App* logs_cmd = add("logs",
                           "A log of the VM: console (default), machine, qemu, qmp, "
                           "supervisor or health");
  logs_cmd->add_flag("-f,--follow", follow_, "keep printing what comes, until the VM stops");
  logs_cmd->add_option("--log", log_name_, "which log")
      ->check(CLI::IsMember({"console", "machine", "qemu", "qmp", "supervisor", "health"}));
  add("console", "The serial console in this terminal (Ctrl-] leaves; the VM goes on)");
  add("monitor",
      "QEMU's monitor (HMP, through QMP: every answer is read); `quit` at the "
      "prompt leaves it, Ctrl-D too");
}

int VmCommand::run() {
  if (sub_["start"]->parsed()) return start();
  if (sub_["serve"]->parsed()) return serve();
  if (sub_["list"]->parsed()) return list();
  if (sub_["status"]->parsed()) return status();
  if (sub_["info"]->parsed()) return info();
  if (snapshot_->parsed()) return snapshot();
  if (sub_["pause"]->parsed()) return simple(control::kPause, "paused");
  if (sub_["resume"]->parsed()) return simple(control::kResume, "running");
  if (sub_["reset"]->parsed()) return reset();
  if (sub_["powerdown"]->parsed()) return powerdown();
  if (sub_["quit"]->parsed()) return quit();
  if (sub_["kill"]->parsed()) return kill();
  if (sub_["send"]->parsed()) return send();
  if (sub_["ssh"]->parsed()) return ssh();
  if (sub_["exec"]->parsed()) return exec();
  if (sub_["screenshot"]->parsed()) return screenshot();
  if (sub_["health"]->parsed()) return health();
  if (sub_["stats"]->parsed()) return stats();
  if (sub_["logs"]->parsed()) return logs();
  if (sub_["console"]->parsed()) return console();
  if (sub_["monitor"]->parsed()) return monitor();
  return kExitBadInput;
}

int VmCommand::start() {
  LaunchRequest r;
  r.name = name_;
  r.profile = profile_;
  r.image = image_;
  r.accel = accel_;
  r.debug = debug_;
  r.gdb = gdb_;
  r.vnc = vnc_;
  r.wait_for_boot = !no_wait_;
  if (login_) r.login = true;
  if (no_login_) r.login = false;
  r.log_dir = log_dir_;
  r.image_lock = images_.lock;
  r.require_pinned = images_.require_pinned;
  r.resume = from_;
  if (!no_wait_)
    std::cerr << "hurdle vm: starting " << name_ << " ("
              << (from_.empty() ? profile_ : "saved in " + from_) << ")..." << std::endl;
  const LaunchResult result = launch_vm(r, this_program());
  if (json_) {
    Json out = result.record.to_json();
    out["took_ms"] = result.took.count();
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "hurdle vm: " << name_ << " " << (no_wait_ ? "started (booting)" : "booted")
            << " after " << std::fixed << std::setprecision(2)
            << static_cast<double>(result.took.count()) / 1000.0 << " s ("
            << result.record.accelerator << ")\n";
  print_access(result.record);
  return 0;
}

int VmCommand::serve() { return serve_detached(name_, request_, ready_fd_); }

int VmCommand::list() {
  const InstanceListing listing = list_instances();
  if (json_) {
    Json out = Json::array();
    for (const auto& r : listing.running) out.push_back(r.to_json());
    std::cout << Json{{"running", out}, {"removed_stale", listing.removed}}.dump(2) << "\n";
    return 0;
  }
  for (const auto& name : listing.removed)
    std::cerr << "hurdle vm: " << name << " was stale (its supervisor is gone): cleaned up\n";
  if (listing.running.empty()) {
    std::cout << "no VM is running\n";
    return 0;
  }
  std::cout << std::left << std::setw(20) << "NAME" << std::setw(10) << "STATE" << std::setw(14)
            << "PROFILE" << std::setw(6) << "ACCEL"
            << "PORTS\n";
  for (const auto& r : listing.running)
    std::cout << std::setw(20) << r.name << std::setw(10) << r.state << std::setw(14) << r.profile
              << std::setw(6) << r.accelerator << ports_text(r) << "\n";
  return 0;
}

int VmCommand::status() {
  const VmClient vm = VmClient::open(name_);
  const Json s = vm.request(control::kStatus);
  if (json_) {
    std::cout << s.dump(2) << "\n";
  } else {
    std::cout << name_ << ": " << s.value("state", std::string()) << ", QEMU "
              << s.value("run_state", std::string()) << ", up " << s.value("uptime_ms", 0) / 1000
              << " s, " << ports_text(vm.record()) << "\n";
    if (s.contains("boot_error"))
      std::cout << "boot failed: " << safe_text(s["boot_error"].get<std::string>()) << "\n";
  }
  return 0;
}

int VmCommand::info() {
  const VmClient vm = VmClient::open(name_);
  const Json i = vm.request(control::kInfo);
  if (json_) {
    std::cout << i.dump(2) << "\n";
    return 0;
  }
  std::cout << name_ << " (" << i.value("profile", std::string()) << ")\n"
            << "  state:   " << i.value("state", std::string()) << ", QEMU "
            << i.value("run_state", std::string()) << "\n"
            << "  qemu:    " << i.value("qemu_version", std::string()) << ", pid "
            << i.value("qemu_pid", 0) << ", accelerator " << i.value("accelerator", std::string())
            << "\n"
            << "  cpus:    " << i.value("cpus", 0) << ", memory "
            << byte_text(i.value("memory_bytes", std::uint64_t{0})) << "\n";
  for (const auto& b : i["block_devices"])
    if (b.contains("file"))
      // Disks given with -blockdev have no device name; their node name says which they are.
      std::cout << "  disk:    "
                << (b.value("device", std::string()).empty() ? b.value("node", std::string())
                                                             : b.value("device", std::string()))
                << " " << b.value("format", std::string()) << " " << b.value("file", std::string())
                << (b.value("read_only", false) ? " (read-only)" : "") << "\n";
  std::string tags;
  for (const auto& t : i["snapshots"]) tags += (tags.empty() ? "" : ", ") + t.get<std::string>();
  std::cout << "  snapshots: " << (tags.empty() ? "none" : tags) << "\n"
            << "  ports:   " << ports_text(vm.record()) << "\n";
  print_access(vm.record());
  return 0;
}

int VmCommand::snapshot() {
  const VmClient vm = VmClient::open(name_);
  if (snapshot_sub_["list"]->parsed()) {
    const Json tags = vm.request(control::kSnapshotList);
    if (json_) {
      std::cout << tags.dump(2) << "\n";
    } else {
      for (const auto& t : tags) std::cout << t.get<std::string>() << "\n";
    }
    return 0;
  }
  if (snapshot_sub_["save"]->parsed()) {
    const Json r = vm.request(control::kSnapshotSave, {{"tag", tag_}});
    std::cout << name_ << ": snapshot " << tag_ << " taken in " << r.value("took_ms", 0) << " ms\n";
  } else if (snapshot_sub_["restore"]->parsed()) {
    const Json r = vm.request(control::kSnapshotRestore, {{"tag", tag_}});
    std::cout << name_ << ": snapshot " << tag_ << " loaded in " << r.value("load_ms", 0)
              << " ms, guest answered after " << r.value("verify_ms", 0) << " ms ("
              << r.value("verified_by", std::string()) << ")\n";
  } else {
    vm.request(control::kSnapshotDelete, {{"tag", tag_}});
    std::cout << name_ << ": snapshot " << tag_ << " deleted\n";
  }
  return 0;
}

int VmCommand::simple(const std::string& command, const std::string& done) {
  const VmClient vm = VmClient::open(name_);
  vm.request(command);
  std::cout << name_ << ": " << done << "\n";
  return 0;
}

int VmCommand::quit() {
  const VmClient vm = VmClient::open(name_);
  vm.request(control::kQuit);
  if (!vm.wait_until_stopped(std::chrono::seconds(30))) {
    print_error("hurdle vm: " + name_ + ": its supervisor (pid " +
                std::to_string(vm.record().supervisor_pid) + ") is still there after 30 s");
    return kExitInfrastructure;
  }
  std::cout << name_ << ": stopped\n";
  return 0;
}

int VmCommand::reset() {
  const VmClient vm = VmClient::open(name_);
  const Json r = vm.request(control::kReset, {{"wait", !no_wait_}});
  std::string markers;
  for (const auto& marker : r.value("boot_markers", Json::array()))
    markers += (markers.empty() ? ", booted again: " : ", ") + marker.value("name", std::string()) +
               " after " + std::to_string(marker.value("after_ms", 0)) + " ms";
  std::cout << name_ << ": reset" << markers << "\n";
  return 0;
}

int VmCommand::powerdown() {
  const VmClient vm = VmClient::open(name_);
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_ * 1000));
  const Json r = vm.request(control::kPowerdown, {{"timeout_ms", timeout.count()}},
                            timeout + std::chrono::seconds(30));
  if (r.value("powered_off", false)) {
    (void)vm.wait_until_stopped(std::chrono::seconds(30));
    std::cout << name_ << ": the guest powered off after " << r.value("took_ms", 0) << " ms\n";
    return 0;
  }
  std::cout << name_ << ": the guest did not power off within " << timeout_
            << " s (does it handle ACPI?); it runs on: `hurdle vm quit " << name_ << "` stops it\n";
  return 1;
}

int VmCommand::kill() {
  const VmClient vm = VmClient::open(name_);
  if (!vm.kill(std::chrono::seconds(10))) {
    print_error("hurdle vm: " + name_ + ": the supervisor (pid " +
                std::to_string(vm.record().supervisor_pid) + ") or QEMU (pid " +
                std::to_string(vm.record().qemu_pid) + ") is still there after 10 s");
    return kExitInfrastructure;
  }
  std::cout << name_ << ": killed\n";
  return 0;
}

int VmCommand::send() {
  const VmClient vm = VmClient::open(name_);
  vm.request(control::kSend, {{"text", text_}, {"newline", !no_newline_}});
  return 0;
}

int VmCommand::ssh() {
  const VmClient vm = VmClient::open(name_);
  if (ssh_command_.empty() && sub_["ssh"]->remaining().empty()) return exec_interactive_ssh(vm);
  // The words after NAME, as ssh joins them: the guest's shell reads the line.
  std::vector<std::string> words = ssh_command_;
  for (const auto& rest : sub_["ssh"]->remaining()) words.push_back(rest);
  std::string command;
  for (const auto& word : words) command += (command.empty() ? "" : " ") + word;
  const Json r = vm.request(control::kSshRun, {{"command", command}});
  write_fully(STDOUT_FILENO, r.value("stdout", std::string()));
  write_fully(STDERR_FILENO, r.value("stderr", std::string()));
  const int status = r.value("exit_status", -1);
  return status < 0 ? 255 : status;  // killed by a signal: as ssh says
}

void VmCommand::add_exec() {
  CLI::App* sub = add("exec",
                      "Run a command in the VM as `hurdle exec` does, in the guest as earlier "
                      "commands left it: the current folder synced in, its output live, "
                      "--copy-back paths brought back; exits with the command's status");
  sub->add_option("--sync", sync_,
                  "the folder copied into the guest at the same path, where the command runs "
                  "(default: the current folder; .git left out)");
  sub->add_flag("--no-sync", no_sync_, "copy nothing in; run in the SSH user's home folder");
  sub->add_flag("--sync-git", exec_.sync_git, "copy the synced folder's .git as well");
  sub->add_option("--copy-back", exec_.copy_back,
                  "a file or folder (relative to the synced folder) copied back into it after "
                  "the command, whatever its status (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--env", exec_.env,
                  "an environment variable forwarded to the command, its value masked in its "
                  "output (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--timeout", exec_.timeout, "the command's time-out (90s, 30m, 2h)")
      ->capture_default_str();
  sub->add_option("command", exec_.command, "the command and its arguments, after --")->required();
}

int VmCommand::exec() {
  ExecRequest request = exec_;
  request.who = "hurdle vm exec";
  if (!no_sync_) request.sync = fs::absolute(sync_).lexically_normal();
  if (!request.sync.empty() && !request.sync.has_filename() &&
      request.sync != request.sync.root_path())
    request.sync = request.sync.parent_path();  // "/srv/project/" as "/srv/project"
  const VmClient vm = VmClient::open(name_);
  SshClient ssh(vm.ssh_options());
  return exec_over_ssh(ssh, request);
}

int VmCommand::screenshot() {
  const VmClient vm = VmClient::open(name_);
  const Json r = vm.request(control::kScreenshot, {{"path", fs::absolute(file_).string()}});
  std::cout << r.value("path", std::string()) << "\n";
  return 0;
}

int VmCommand::health() { return watch_health(name_, watch_, json_); }

int VmCommand::stats() { return watch_stats(name_, watch_, json_); }

int VmCommand::logs() { return print_log(name_, log_name_, follow_); }

int VmCommand::console() { return attach_console(VmClient::open(name_)); }

int VmCommand::monitor() { return run_monitor(VmClient::open(name_)); }

}  // namespace hurdle::cli
