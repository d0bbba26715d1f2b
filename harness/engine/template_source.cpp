#include "engine/template_source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/secret_mask.hpp"
#include "core/unique_fd.hpp"
#include "qemu/disk_overlay.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

// What the boot threw, carried past the handlers that make every other failure a
// TemplateError.
struct BootFailure {
  std::exception_ptr cause;
};

}  // namespace

TemplateSource::TemplateSource(ResetStrategy::Boot boot, Settings settings, Variables& provisioned)
    : boot_(std::move(boot)),
      settings_(std::move(settings)),
      provisioned_(provisioned),
      log_((fs::create_directories(settings_.log_dir), settings_.log_dir / "machine.log"),
           LogFile::Stamp::kElapsed) {
  for (const auto& secret : settings_.secrets) log_.add_secret(secret);
}

void TemplateSource::note(const std::string& line) { log_.write("reset: clone: " + line); }

void TemplateSource::make_template(const fs::path& folder) {
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
    if (!fd.valid()) throw HostError("cannot create the template's RAM file " + ram.string());
  }
  note("making the template " + settings_.key.hex.substr(0, 16) + ": booting with the RAM " +
       where);
  try {
    std::unique_ptr<Machine> machine;
    try {
      machine = boot_(ram);
    } catch (...) {
      throw BootFailure{std::current_exception()};  // a boot failure is not the template's
    }
    try {
      (void)machine->save_template(building, settings_.profile_variables, settings_.image);
    } catch (const std::exception& e) {
      throw TemplateError(std::string("the booted machine could not be made a template: ") +
                          e.what());
    }
    write_file_atomically(building / "variables.json", variables_to_keep().dump(2) + "\n");
    write_file_atomically(building / "key-inputs.json", settings_.key.inputs.dump(2) + "\n");
    write_file_atomically(
        building / "template.json",
        nlohmann::json{{"suite", settings_.suite}, {"key", settings_.key.hex}}.dump(2) + "\n");
    fs::rename(building, folder);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(building, ec);
    fs::remove(ram, ec);
    throw;
  }
  template_ =
      std::make_shared<const MachineTemplate>(MachineTemplate::open(folder, settings_.profile));
  note("template ready in " + folder.string());
}

void TemplateSource::prepare() {
  try {
    prepare_template();
  } catch (const TemplateError&) {
    throw;
  } catch (const BootFailure& boot) {
    std::rethrow_exception(boot.cause);
  } catch (const std::exception& e) {
    throw TemplateError(std::string("the template could not be made or opened: ") + e.what());
  }
}

void TemplateSource::prepare_template() {
  std::lock_guard lock(mutex_);
  template_.reset();
  from_cache_ = false;
  if (!settings_.cache) {
    run_template_ = std::make_unique<PrivateFolder>("template", settings_.work_dir);
    make_template(run_template_->path() / "template");
    return;
  }
  const std::string& key = settings_.key.hex;
  const FileLock held = settings_.cache->lock(
      key, [&] { note("another hurdle is making or opening template " + key + "; waiting"); });
  const fs::path folder = settings_.cache->folder(key);
  if (fs::exists(folder)) {
    try {
      relocate(folder);
      auto found =
          std::make_shared<const MachineTemplate>(MachineTemplate::open(folder, settings_.profile));
      provisioned_ = cached_variables(folder / "variables.json");
      template_ = std::move(found);
      from_cache_ = true;
      settings_.cache->mark_used(key);
      note("boot cache: the template " + key + " (made " + template_->manifest().saved_at +
           ") is ready; no boot");
      return;
    } catch (const std::exception& e) {
      const std::string why = std::string("boot cache: ") + e.what() + "; making it anew";
      note(why);
      notes_.push_back(why);
      settings_.cache->discard(key);
    }
  }
  if (const std::string why = settings_.cache->explain_miss(settings_.key, settings_.suite);
      !why.empty()) {
    const std::string line = "boot cache: " + why + "; making this run's";
    note(line);
    notes_.push_back(line);
  }
  make_template(folder);
  settings_.cache->mark_used(key);
}

Variables TemplateSource::cached_variables(const fs::path& file) const {
  // The run's own values first, whatever the file says: a template in the cache may have come
  // from a pack someone else wrote, and a suite variable decides commands, expected output and
  // paths. (A secret one is not kept with the template anyway.) The file gives only what
  // provisioning captured in the guest the template holds.
  Variables variables = settings_.variables;
  std::ifstream in(file);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::string why = "it is not an object";
  const auto kept = parse_json_text(text, why);
  if (!kept || !kept->is_object())
    throw Error(file.string() + " is not a JSON object of variables: " + why);
  for (const auto& [name, value] : kept->items())
    if (settings_.captured.count(name) != 0 && value.is_string())
      variables[name] = value.get<std::string>();
  return variables;
}

nlohmann::json TemplateSource::variables_to_keep() const {
  const SecretMask mask(settings_.secrets);
  nlohmann::json kept = nlohmann::json::object();
  for (const auto& [name, value] : provisioned_)
    if (!mask.reveals(value)) kept[name] = value;
  return kept;
}

void TemplateSource::relocate(const fs::path& folder) {
  SavedMachine m = SavedMachine::read(folder);
  bool moved = false;
  for (auto& d : m.disks) {
    const auto spec = std::find_if(settings_.profile.disks.begin(), settings_.profile.disks.end(),
                                   [&](const DiskSpec& s) { return s.node_name == d.node_name; });
    if (spec == settings_.profile.disks.end()) continue;
    const fs::path frozen = folder / d.saved;
    // Read by hurdle before qemu-img opens it: no data file, no feature it does not know.
    (void)check_overlay_confined(frozen, std::nullopt);
    if (fs::absolute(spec->file) == d.base) continue;  // MachineTemplate::open checks the rest
    if (!moved) m.check_bases(folder, settings_.profile, settings_.digest_cache);
    fs::permissions(frozen, fs::perms::owner_read | fs::perms::owner_write);
    // The profile's format, never the manifest's: a base read as another format than it is
    // would let what the guest wrote there name files.
    rebase_overlay(frozen, fs::absolute(spec->file), spec->format);
    fs::permissions(frozen, fs::perms::owner_read);
    note("boot cache: the template's disk " + d.node_name + " was made over " + d.base.string() +
         " (another host's, or another cache folder's); it is over " +
         fs::absolute(spec->file).string() + " here now");
    d.base = fs::absolute(spec->file);
    d.base_format = spec->format;
    moved = true;
  }
  if (moved) m.write(folder);
}

std::unique_ptr<Machine> TemplateSource::clone(const MachineOptions& options) {
  std::shared_ptr<const MachineTemplate> from;
  {
    std::lock_guard lock(mutex_);
    from = template_;
  }
  if (!from)
    throw TemplateError("reset: clone: there is no template (the pristine state was not made)");
  try {
    return Machine::clone(*from, options);
  } catch (const Error& e) {
    std::lock_guard lock(mutex_);
    if (template_ == from) {  // nobody remade it meanwhile
      if (remade_)
        throw TemplateError(std::string("the template, made anew, still gives no clone: ") +
                            e.what());
      remade_ = true;
      const std::string why = std::string("the template did not give a clone (") + e.what() +
                              "); it was discarded and made anew";
      note(why);
      notes_.push_back(why);
      const fs::path folder = template_->folder();
      template_.reset();
      if (settings_.cache) {
        const FileLock held = settings_.cache->lock(settings_.key.hex, {});
        settings_.cache->discard(settings_.key.hex);
      } else {
        fs::remove_all(folder);
      }
      try {
        make_template(folder);
      } catch (const BootFailure& boot) {
        std::rethrow_exception(boot.cause);
      }
    }
    from = template_;
  }
  return Machine::clone(*from, options);
}

bool TemplateSource::from_cache() const {
  std::lock_guard lock(mutex_);
  return from_cache_;
}

std::vector<std::string> TemplateSource::take_notes() {
  std::lock_guard lock(mutex_);
  return std::exchange(notes_, {});
}

}  // namespace hurdle
