// How a Machine is saved and started again from what was saved: save_to() (a whole machine
// to take home or go on with), save_template() (its RAM stays in the shared file, its overlays
// frozen), and clone() and resume(), which start a machine from those through one description
// (start_saved). Part of Machine (machine.hpp); apart from its life as a running machine.
#include <fstream>

#include "core/atomic_file.hpp"
#include "core/cache_directory.hpp"
#include "core/digest.hpp"
#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/wall_clock.hpp"
#include "machine/machine.hpp"
#include "machine/machine_template.hpp"
#include "machine/migration.hpp"
#include "qemu/disk_overlay.hpp"
#include "qemu/image_digest.hpp"

namespace hurdle {

namespace fs = std::filesystem;

SavedMachine Machine::describe_for_saving(const Variables& profile_variables,
                                          const std::string& image, const std::string& reason) {
  SavedMachine saved;
  saved.machine = profile_.name;
  saved.profile_file = fs::absolute(profile_.source);
  saved.profile_sha256 = file_digest(profile_.source, DigestAlgorithm::kSha256).hex;
  saved.profile_variables = profile_variables;
  saved.image = image;
  saved.qemu_version = qmp().qemu_version();
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
  // longer where it was).
  if (ssh_->has_key()) saved.ssh_key = "ssh-key";
  if (const auto pin = pinned_host_key()) saved.host_key = pin->str();
  saved.console_at_prompt = shell_.at_prompt(console());
  saved.console_logged_in = shell_.logged_in();
  saved.channel_answered = channel_answers_now();
  saved.ram_backend = ram_.has_value();
  return saved;
}

SavedMachine Machine::save_to(const fs::path& folder, const Variables& profile_variables,
                              const std::string& image, const std::string& reason) {
  using Clock = std::chrono::steady_clock;
  require({MachineState::kRunning, MachineState::kBootStalled}, "be saved");
  throw_if_exited(std::chrono::milliseconds(0));
  ssh_->wait_for_reconnect();
  const auto start = Clock::now();
  fs::create_directories(folder);
  // The guest's RAM and the key it trusts: its owner's alone, wherever the folder travels.
  fs::permissions(folder, fs::perms::owner_all);
  SavedMachine saved = describe_for_saving(profile_variables, image, reason);
  note("saving the machine into " + folder.string() + " (" + reason + ")");

  // Paused for the whole save, so that the state and the disks are of the same moment; it
  // runs on afterwards whatever happens (the run goes on: a rollback comes next).
  qmp().execute("stop");
  try {
    // Through gzip -1: a guest's RAM is mostly free pages and text (102 MB of linux-mini's
    // 512 MiB shrink to a fraction), and the state may travel as a CI artifact. A clone's RAM
    // is in a file only it maps: it goes into the stream like any other.
    const fs::path state = fs::absolute(folder / saved.state);
    const std::string status = Migration(qmp()).save(
        {state, true, false}, profile_.timeouts.shutdown + profile_.timeouts.command);
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
    if (!saved.ssh_key.empty()) ssh_->save_key(folder / saved.ssh_key);
    saved.write(folder);
  } catch (...) {
    try {
      qmp().execute("cont");
    } catch (const Error& e) {
      note(std::string("after a failed save, cont: ") + e.what());
    }
    throw;
  }
  qmp().execute("cont");
  note("machine saved in " + seconds_text(Clock::now() - start));
  return saved;
}

SavedMachine Machine::save_template(const fs::path& folder, const Variables& profile_variables,
                                    const std::string& image) {
  using Clock = std::chrono::steady_clock;
  if (!ram_ || !ram_->shared)
    throw QemuError(profile_.name + ": only a machine started with its RAM in a shared file " +
                    "(MachineOptions::template_ram) can become a template");
  require({MachineState::kRunning}, "become a template");
  throw_if_exited(std::chrono::milliseconds(0));
  ssh_->wait_for_reconnect();
  const auto start = Clock::now();
  fs::create_directories(folder);
  fs::permissions(folder, fs::perms::owner_all);
  SavedMachine saved = describe_for_saving(profile_variables, image, "template");
  saved.state = "machine.state";
  saved.ram = fs::absolute(ram_->path);
  note("making a template in " + folder.string());
  qmp().execute("stop");
  const fs::path state = fs::absolute(folder / saved.state);
  const std::string status = Migration(qmp()).save(
      {state, false, true}, profile_.timeouts.shutdown + profile_.timeouts.command);
  if (status != "completed")
    throw QemuError(profile_.name + ": saving the template's state to " + state.string() +
                    " ended " + status);
  // The RAM file and the disks hold this moment now: QEMU must not run the guest on.
  quit_qemu("template: its state is saved");
  saved.state_sha256 = file_digest(state, DigestAlgorithm::kSha256).hex;
  freeze_overlays(folder, saved);
  if (!saved.ssh_key.empty()) ssh_->save_key(folder / saved.ssh_key);
  saved.write(folder);
  state_ = MachineState::kTemplated;  // for good: the disks are the template's now
  ram_.reset();
  note("template made in " + seconds_text(Clock::now() - start));
  return saved;
}

void Machine::freeze_overlays(const fs::path& folder, const SavedMachine& saved) {
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
}

std::unique_ptr<Machine> Machine::start_saved(MachineProfile profile, MachineOptions options,
                                              SavedStart saved) {
  std::unique_ptr<Machine> m(new Machine(std::move(profile), std::move(options)));
  m->throwaway_ = saved.throwaway;
  m->ram_ = std::move(saved.ram);
  m->disk_starts_ = std::move(saved.disk_starts);
  m->incoming_ = std::move(saved.incoming);
  // The key the guest had when it was saved: a guest presenting another one is refused.
  if (!saved.host_key.empty())
    write_file_atomically(m->run_dir() / "ssh-host-key", saved.host_key + "\n");
  m->ssh_->set_key_installed(saved.key_installed);
  m->note(saved.why);
  m->launch();
  m->load_incoming_state();
  m->shell_.restore(m->console(), saved.console_at_prompt, saved.console_logged_in);
  return m;
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
  SavedStart how;
  how.throwaway = true;
  how.ram = RamFile{saved.ram, false};
  for (const auto& d : saved.disks)
    how.disk_starts[d.node_name] = {OverlayStart::How::kLayer, from.folder() / d.saved};
  how.incoming = MigrationFile{from.folder() / saved.state, false, true};
  how.host_key = saved.host_key;
  how.key_installed = !saved.ssh_key.empty();
  how.console_at_prompt = saved.console_at_prompt;
  how.console_logged_in = saved.console_logged_in;
  how.why = "cloning the template in " + from.folder().string();
  std::unique_ptr<Machine> m = start_saved(std::move(profile), std::move(options), std::move(how));
  const auto loaded = Clock::now();
  m->last_restore_.tag = "a clone of the template";
  m->last_restore_.load = std::chrono::duration_cast<std::chrono::milliseconds>(loaded - start);
  // SSH answered when the template was made if its host key was pinned by then.
  m->last_restore_.verified_by = m->prove_alive(!saved.host_key.empty(), saved.channel_answered,
                                                start, "loading the template's state");
  m->last_restore_.verify =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - loaded);
  m->note("clone ready: QEMU and state " + seconds_text(m->last_restore_.load) + ", " +
          m->last_restore_.verified_by + " " + seconds_text(m->last_restore_.verify) +
          " (console ready)");
  return m;
}

std::unique_ptr<Machine> Machine::resume(const fs::path& folder, MachineOptions options) {
  SavedMachine saved = SavedMachine::read(folder);
  if (!saved.ram.empty())
    throw ConfigError({folder / SavedMachine::kManifest, 0, 0},
                      "this is a machine template, not a saved machine");
  // The profile: where it was, or found by name here; either way the same text.
  const fs::path file = saved.find_profile(folder, profile_search_path(options.profile_path));
  const ProfileImageOptions image = starting_profile_options(saved.image, options.images);
  MachineProfile profile = load_machine_profile(file, saved.profile_variables, image);
  saved.check_bases(folder, profile, cache_directory(options.cache_dir));
  if (!saved.ssh_key.empty() && profile.ssh) {
    profile.ssh->auth = SshSpec::Auth::kKey;
    profile.ssh->key = fs::absolute(folder / saved.ssh_key);
  }
  SavedStart how;
  for (const auto& d : saved.disks)
    how.disk_starts[d.node_name] = {OverlayStart::How::kCopy, fs::absolute(folder / d.saved)};
  const fs::path state = fs::absolute(folder / saved.state);
  how.incoming = MigrationFile{state, state.extension() == ".gz", false};
  if (saved.ram_backend) how.ram = RamFile{{}, false};
  how.host_key = saved.host_key;
  // The guest's prompt may have scrolled on since: only the login is known.
  how.console_logged_in = saved.console_logged_in;
  how.why = "resuming the machine saved in " + folder.string() + " on " + saved.saved_at + " (" +
            saved.reason + ")";
  return start_saved(std::move(profile), std::move(options), std::move(how));
}

void Machine::load_incoming_state() {
  const auto timeout = profile_.timeouts.boot;
  const fs::path state = incoming_->file;
  std::string loaded;
  try {
    loaded = Migration(qmp()).load(*incoming_, timeout);
  } catch (const TimeoutError&) {
    throw QemuError(profile_.name + ": the saved state " + state.string() +
                    " did not load within " + seconds_text(timeout));
  }
  if (loaded != "completed") {
    QemuProcess& process = qemu_->process();
    const std::string tail = process.log_tail(2048);
    throw QemuError(profile_.name + ": loading the saved state " + state.string() + " " + loaded +
                        "; qemu.log ends with:\n" + tail,
                    process.argv(), process.exit_description(), tail);
  }
  // It was saved paused (so that its disks are of the same moment), and comes back paused.
  if (qmp().execute("query-status").value("status", "") != "running") qmp().execute("cont");
  const auto status = qmp().execute("query-status");
  if (status.value("status", "") != "running")
    throw QemuError(profile_.name + ": after loading the saved state QEMU is " +
                    status.value("status", "?") + ", not running");
  // Later starts (a power-on) boot the disks as they are then.
  incoming_.reset();
  note("resumed: the guest runs from where it was saved");
}

}  // namespace hurdle
