#include "machine/saved_machine.hpp"

#include <re2/re2.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/safe_text.hpp"
#include "qemu/image_digest.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Json = nlohmann::json;

void SavedMachine::write(const fs::path& folder) const {
  Json disks_json = Json::array();
  for (const auto& d : disks) {
    disks_json.push_back({{"name", d.node_name},
                          {"saved", d.saved},
                          {"base", d.base.string()},
                          {"base_format", d.base_format},
                          {"base_sha256", d.base_sha256},
                          {"lock_entry", d.lock_entry},
                          {"artifact", d.artifact},
                          {"recipe", d.recipe}});
  }
  const Json j = {{"format", kFormat},
                  {"machine", machine},
                  {"profile",
                   {{"file", profile_file.string()},
                    {"sha256", profile_sha256},
                    {"variables", profile_variables},
                    {"image", image}}},
                  {"qemu", {{"version", qemu_version}, {"accelerator", accelerator}}},
                  {"state", state},
                  {"state_sha256", state_sha256},
                  {"ram", ram.string()},
                  {"ram_backend", ram_backend},
                  {"console_at_prompt", console_at_prompt},
                  {"console_logged_in", console_logged_in},
                  {"channel_answered", channel_answered},
                  {"disks", disks_json},
                  {"ssh", {{"key", ssh_key}, {"host_key", host_key}}},
                  {"saved_at", saved_at},
                  {"reason", reason}};
  write_file_atomically(folder / kManifest, j.dump(2) + "\n");
}

SavedMachine SavedMachine::read(const fs::path& folder) {
  const fs::path file = folder / kManifest;
  std::ifstream in(file);
  if (!in)
    throw ConfigError({file, 0, 0}, "no saved machine here: " + std::string(kManifest) +
                                        " is missing (is this a failed-state folder?)");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    std::string why;
    const auto parsed = parse_json_text(text.str(), why);
    if (!parsed) throw ConfigError({file, 0, 0}, "not a saved machine's manifest: " + why);
    const Json& j = *parsed;
    if (j.at("format").get<int>() != kFormat)
      throw ConfigError({file, 0, 0}, "expected saved-machine format " + std::to_string(kFormat) +
                                          ", found " + j.at("format").dump());
    SavedMachine m;
    m.machine = j.at("machine").get<std::string>();
    const Json& profile = j.at("profile");
    m.profile_file = profile.at("file").get<std::string>();
    m.profile_sha256 = profile.at("sha256").get<std::string>();
    m.profile_variables = profile.at("variables").get<Variables>();
    m.image = profile.at("image").get<std::string>();
    m.qemu_version = j.at("qemu").at("version").get<std::string>();
    m.accelerator = j.at("qemu").at("accelerator").get<std::string>();
    m.state = j.at("state").get<std::string>();
    m.state_sha256 = j.value("state_sha256", std::string());
    m.ram = j.value("ram", std::string());
    m.ram_backend = j.value("ram_backend", false);
    m.console_at_prompt = j.value("console_at_prompt", false);
    m.console_logged_in = j.value("console_logged_in", m.console_at_prompt);
    m.channel_answered = j.value("channel_answered", false);
    for (const Json& d : j.at("disks")) {
      SavedDisk disk;
      disk.node_name = d.at("name").get<std::string>();
      disk.saved = d.at("saved").get<std::string>();
      disk.base = d.at("base").get<std::string>();
      disk.base_format = d.at("base_format").get<std::string>();
      disk.base_sha256 = d.at("base_sha256").get<std::string>();
      disk.lock_entry = d.at("lock_entry").get<std::string>();
      disk.artifact = d.at("artifact").get<std::string>();
      disk.recipe = d.at("recipe").get<std::string>();
      m.disks.push_back(std::move(disk));
    }
    m.ssh_key = j.at("ssh").at("key").get<std::string>();
    m.host_key = j.at("ssh").at("host_key").get<std::string>();
    m.saved_at = j.at("saved_at").get<std::string>();
    m.reason = j.at("reason").get<std::string>();
    // The pinned host key is written to the guest's known-hosts file: one line, one key.
    if (!m.host_key.empty() &&
        !RE2::FullMatch(m.host_key, "[A-Za-z0-9@._-]{1,64} SHA256:[A-Za-z0-9+/]{43}=?"))
      throw ConfigError({file, 0, 0},
                        "expected a pinned host key as 'TYPE SHA256:FINGERPRINT', found '" +
                            safe_line(utf8_head(m.host_key, 80)) + "'");
    // Names in the folder must stay in it: a manifest is outside input.
    std::vector<std::string> names = {m.state};
    if (!m.ssh_key.empty()) names.push_back(m.ssh_key);
    for (const auto& d : m.disks) names.push_back(d.saved);
    for (const auto& name : names) {
      if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        throw ConfigError({file, 0, 0}, "expected a file name in the folder, found '" + name + "'");
    }
    return m;
  } catch (const Json::exception& e) {
    throw ConfigError({file, 0, 0},
                      std::string("expected a saved machine's manifest: ") + e.what());
  }
}

fs::path SavedMachine::find_profile(const fs::path& folder,
                                    const std::vector<fs::path>& search_path) const {
  const auto sha256_of = [](const fs::path& f) {
    std::error_code ec;
    return fs::is_regular_file(f, ec) ? file_digest(f, DigestAlgorithm::kSha256).hex
                                      : std::string();
  };
  fs::path file = profile_file;
  std::string here = sha256_of(file);
  if (here != profile_sha256) {
    file = find_machine_profile(machine, search_path);
    here = sha256_of(file);
  }
  if (here != profile_sha256) {
    throw ConfigError({folder / kManifest, 0, 0},
                      "the machine was saved with another profile " + machine + " (sha256 " +
                          profile_sha256 + "); " + file.string() + " has sha256 " + here);
  }
  return file;
}

void SavedMachine::check_bases(const fs::path& folder, const MachineProfile& profile,
                               const fs::path& cache_dir) const {
  for (const auto& d : profile.disks) {
    if (d.mode != DiskSpec::Mode::kOverlay) continue;
    const auto s = std::find_if(disks.begin(), disks.end(),
                                [&](const SavedDisk& x) { return x.node_name == d.node_name; });
    if (s == disks.end())
      throw ConfigError({folder / kManifest, 0, 0}, "the saved machine has no disk '" +
                                                        d.node_name + "', which profile " +
                                                        profile.source.string() + " names");
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
    } else if (const std::string here = image_sha256(d.file, cache_dir); here != s->base_sha256) {
      throw ImageError(profile.name + ": disk " + d.node_name +
                       " was saved over a base with sha256 " + s->base_sha256 + "; " +
                       d.file.string() + " here has sha256 " + here);
    }
  }
}

}  // namespace hurdle
