#include "scenario/clone_reset.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "scenario/step_names.hpp"

namespace hurdle {

namespace fs = std::filesystem;

CloneReset::CloneReset(Boot boot, Settings settings, Variables& provisioned)
    : boot_(std::move(boot)),
      settings_(std::move(settings)),
      provisioned_(provisioned),
      log_((fs::create_directories(settings_.clone_options.log_dir),
            settings_.clone_options.log_dir / "machine.log"),
           LogFile::Stamp::kElapsed) {
  for (const auto& secret : settings_.clone_options.secrets) log_.add_secret(secret);
}

CloneReset::~CloneReset() {
  std::lock_guard lock(mutex_);
  held_.clear();
  current_.reset();  // each clone's QEMU is killed: its disks are thrown away
}

void CloneReset::note(const std::string& line) { log_.write("reset: clone: " + line); }

void CloneReset::make_template(const fs::path& folder) {
  const fs::path building =
      folder.parent_path() / (folder.filename().string() + ".tmp-" + std::to_string(::getpid()));
  fs::remove_all(building);
  std::string where;
  fs::path ram;
  const std::uint64_t bytes = settings_.profile.memory_mib << 20;
  if (settings_.cache) {
    ram = settings_.cache->ram_file(settings_.key.hex, bytes, where);
  } else {
    ram = folder.parent_path() / "ram";
    where = "in this run's work folder";
  }
  fs::remove(ram);
  {
    // The guest's RAM may hold secrets: the file is the user's alone (QEMU keeps its mode).
    UniqueFd fd(::open(ram.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
    if (!fd.valid()) throw Error("cannot create the template's RAM file " + ram.string());
  }
  note("making the template " + settings_.key.hex.substr(0, 16) + ": booting with the RAM " +
       where);
  try {
    std::unique_ptr<Machine> machine = boot_(ram);
    (void)machine->save_template(building, settings_.profile_variables, settings_.image);
    write_file_atomically(building / "variables.json",
                          nlohmann::json(provisioned_).dump(2) + "\n");
    write_file_atomically(building / "key-inputs.json", settings_.key.inputs.dump(2) + "\n");
    write_file_atomically(building / "template.json",
                          nlohmann::json{{"suite", settings_.suite}, {"key", settings_.key.hex}}
                                  .dump(2) +
                              "\n");
    fs::rename(building, folder);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(building, ec);
    fs::remove(ram, ec);
    throw;
  }
  template_ = MachineTemplate::open(folder, settings_.profile);
  note("template ready in " + folder.string());
}

void CloneReset::prepare() {
  {
    std::lock_guard lock(mutex_);
    held_.clear();
    current_.reset();
  }
  untouched_.clear();
  template_.reset();
  from_cache_ = false;
  if (!settings_.cache) {
    run_template_ = std::make_unique<RunDirectory>("template", settings_.clone_options.work_dir
                                                                   ? *settings_.clone_options.work_dir
                                                                   : fs::temp_directory_path());
    make_template(run_template_->path() / "template");
    return;
  }
  const std::string& key = settings_.key.hex;
  const FileLock lock = settings_.cache->lock(
      key, [&] { note("another hurdle is making or opening template " + key + "; waiting"); });
  const fs::path folder = settings_.cache->folder(key);
  if (fs::exists(folder)) {
    try {
      template_ = MachineTemplate::open(folder, settings_.profile);
      std::ifstream in(folder / "variables.json");
      provisioned_ = nlohmann::json::parse(in).get<Variables>();
      from_cache_ = true;
      settings_.cache->mark_used(key);
      note("boot cache: the template " + key + " (made " + template_->manifest().saved_at +
           ") is ready; no boot");
      return;
    } catch (const std::exception& e) {
      const std::string why = std::string("boot cache: ") + e.what() + "; making it anew";
      note(why);
      notes_.push_back(why);
      template_.reset();
      settings_.cache->discard(key);
    }
  }
  make_template(folder);
  settings_.cache->mark_used(key);
}

std::shared_ptr<Machine> CloneReset::new_clone() {
  try {
    return Machine::clone(*template_, settings_.clone_options);
  } catch (const Error& e) {
    if (remade_) throw;
    remade_ = true;
    const std::string why = std::string("the template did not give a clone (") + e.what() +
                            "); it was discarded and made anew";
    note(why);
    notes_.push_back(why);
  }
  const fs::path folder = template_->folder();
  template_.reset();
  if (settings_.cache) {
    const FileLock lock = settings_.cache->lock(settings_.key.hex, {});
    settings_.cache->discard(settings_.key.hex);
    make_template(folder);
  } else {
    fs::remove_all(folder);
    make_template(folder);
  }
  return Machine::clone(*template_, settings_.clone_options);
}

StartedMachine CloneReset::start(const std::string& tag) {
  if (tag == kPristineTag) {
    {
      std::lock_guard lock(mutex_);
      current_.reset();  // killed now, unless an end state keeps it
    }
    auto clone = new_clone();
    std::lock_guard lock(mutex_);
    current_ = std::move(clone);
    return {*current_, true};
  }
  const auto held = held_.find(tag);
  if (held == held_.end()) throw Error("reset: clone: no kept state " + tag);
  {
    std::lock_guard lock(mutex_);
    current_ = held->second;
  }
  const auto untouched = untouched_.find(current_.get());
  const bool restore = untouched == untouched_.end() || untouched->second != tag;
  if (restore) current_->restore(tag);
  untouched_.erase(current_.get());
  return {*current_, restore};
}

void CloneReset::roll_back(const std::string& tag) {
  if (tag == kPristineTag) {
    // The failed clone goes now; the next start makes a new one.
    std::lock_guard lock(mutex_);
    untouched_.erase(current_.get());
    current_.reset();
    return;
  }
  current_->restore(tag);
  untouched_[current_.get()] = tag;
}

void CloneReset::keep(const std::string& tag) {
  current_->snapshot(tag);
  std::lock_guard lock(mutex_);
  held_[tag] = current_;
  untouched_[current_.get()] = tag;
}

void CloneReset::drop(const std::string& tag) {
  std::shared_ptr<Machine> clone;
  {
    std::lock_guard lock(mutex_);
    const auto it = held_.find(tag);
    if (it == held_.end()) return;
    clone = std::move(it->second);
    held_.erase(it);
  }
  const auto untouched = untouched_.find(clone.get());
  if (untouched != untouched_.end() && untouched->second == tag) untouched_.erase(untouched);
  if (clone.use_count() > 1) {
    // Still in use (current, or holding another end state): the snapshot's copy of the RAM goes.
    clone->remove_snapshot(tag);
  } else {
    untouched_.erase(clone.get());
    std::lock_guard lock(mutex_);
    clone.reset();
  }
}

void CloneReset::crash() {
  std::lock_guard lock(mutex_);
  if (current_) current_->crash();
  for (auto& [tag, clone] : held_) clone->crash();
}

}  // namespace hurdle
