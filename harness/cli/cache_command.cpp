#include "cli/cache_command.hpp"

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/cache_directory.hpp"
#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "engine/boot_cache.hpp"
#include "image/multiboot_medium.hpp"
#include "pack/pack_manifest.hpp"
#include "pack/template_pack.hpp"

namespace hurdle::cli {

namespace {

std::string mib(std::uintmax_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / (1 << 20) << " MiB";
  return s.str();
}

std::string ago(std::filesystem::file_time_type when) {
  const auto age = std::filesystem::file_time_type::clock::now() - when;
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(age).count();
  if (minutes < 60) return std::to_string(minutes) + " min ago";
  if (minutes < 48 * 60) return std::to_string(minutes / 60) + " h ago";
  return std::to_string(minutes / (24 * 60)) + " days ago";
}

}  // namespace

CacheCommand::CacheCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "cache", "The boot cache: machine templates that let a second run start without booting");
  command_->require_subcommand(1);
  list_ = command_->add_subcommand("list", "one line per template, most recently used first");
  list_->add_flag("--json", json_, "print JSON instead");
  gc_ = command_->add_subcommand("gc",
                                 "remove templates and boot media not used lately, damaged "
                                 "templates and leftovers");
  gc_->add_option("--unused-days", unused_days_,
                  "remove templates unused for this many days (0: every one no run holds now)")
      ->check(CLI::Range(0, 3650));
  pack_ =
      command_->add_subcommand("pack", "write one template as a file that travels (a CI cache)");
  pack_->add_option("key", pack_key_, "the template's key, or its first characters");
  pack_->add_option("--suite", pack_suite_, "the most recently used template of this suite");
  pack_->add_option("--to", pack_to_, "the file to write (.tar.zst)")->required();
  unpack_ = command_->add_subcommand("unpack", "put packed templates into the boot cache");
  unpack_->add_option("files", unpack_files_, "packs written by hurdle cache pack")->required();
  unpack_->add_flag("--trust-unsigned", trust_unsigned_,
                    "restore a pack that is not signed with $HURDLE_PACK_KEY (one signed with "
                    "another key is still refused)");
}

namespace {

// The user's secret for signing and checking packs ($HURDLE_PACK_KEY; empty: none). Throws
// ConfigError for a key too short to be a secret.
std::string pack_secret() {
  const char* env = std::getenv("HURDLE_PACK_KEY");
  const std::string secret = env != nullptr ? env : "";
  if (!secret.empty() && secret.size() < kMinPackSecretBytes)
    throw ConfigError({}, "HURDLE_PACK_KEY has " + std::to_string(secret.size()) +
                              " bytes; a secret of at least " +
                              std::to_string(kMinPackSecretBytes) +
                              " is expected (e.g. the output of openssl rand -hex 32)");
  return secret;
}

}  // namespace

int CacheCommand::pack() const {
  const BootCache cache = BootCache::in(user_cache_directory());
  if (pack_key_.empty() == pack_suite_.empty()) {
    print_error("hurdle cache pack: give a template's key or --suite NAME (one of them)");
    return kExitBadInput;
  }
  std::string key;
  for (const auto& e : cache.list()) {  // most recently used first
    const bool match = pack_key_.empty() ? e.suite == pack_suite_ : e.key.starts_with(pack_key_);
    if (match && e.problem.empty()) {
      key = e.key;
      break;
    }
  }
  if (key.empty()) {
    print_error("hurdle cache pack: no usable template " +
                (pack_key_.empty() ? "of suite " + pack_suite_ : pack_key_) + " in " +
                (user_cache_directory() / "templates").string() +
                " (hurdle cache list shows them)");
    return kExitBadInput;
  }
  std::string secret;
  try {
    secret = pack_secret();
  } catch (const ConfigError& e) {
    print_error(std::string("hurdle cache pack: ") + e.what());
    return kExitBadInput;
  }
  try {
    const FileLock held = cache.lock(key, {});
    const PackedTemplate p = pack_template(cache, key, pack_to_, secret);
    std::cout << "packed template " << key.substr(0, 16) << " into " << p.file.string() << ": "
              << mib(p.pack_bytes) << " (RAM " << mib(p.ram_bytes) << ", of it "
              << mib(p.ram_data_bytes) << " data; folder " << mib(p.template_bytes) << ") in "
              << seconds_text(p.took) << ", "
              << (p.signed_pack ? "signed with HURDLE_PACK_KEY"
                                : "not signed (HURDLE_PACK_KEY is not set: a restore needs "
                                  "--trust-unsigned)")
              << "\n";
  } catch (const std::exception& e) {
    print_error(std::string("hurdle cache pack: ") + e.what());
    return kExitInfrastructure;
  }
  return kExitPassed;
}

int CacheCommand::unpack() const {
  const BootCache cache = BootCache::in(user_cache_directory());
  PackTrust trust;
  try {
    trust.secret = pack_secret();
  } catch (const ConfigError& e) {
    print_error(std::string("hurdle cache unpack: ") + e.what());
    return kExitBadInput;
  }
  trust.trust_unsigned = trust_unsigned_;
  int status = kExitPassed;
  for (const auto& file : unpack_files_) {
    try {
      const UnpackedTemplate u = unpack_template(cache, file, trust);
      if (u.already)
        std::cout << "template " << u.what.key.substr(0, 16) << " is in the boot cache already; "
                  << file << " left as it is\n";
      else
        std::cout << "unpacked template " << u.what.key.substr(0, 16) << " from " << file << " ("
                  << mib(u.what.pack_bytes) << ") in " << seconds_text(u.what.took) << ", "
                  << (u.what.signed_pack ? "its signature checked with HURDLE_PACK_KEY"
                                         : "unsigned, trusted by --trust-unsigned")
                  << "\n";
    } catch (const ConfigError& e) {
      print_error(std::string("hurdle cache unpack: ") + e.what());
      status = std::max(status, kExitBadInput);
    } catch (const std::exception& e) {
      print_error(std::string("hurdle cache unpack: ") + file + ": " + e.what());
      status = kExitInfrastructure;
    }
  }
  return status;
}

int CacheCommand::run() {
  if (pack_->parsed()) return pack();
  if (unpack_->parsed()) return unpack();
  const BootCache cache = BootCache::in(user_cache_directory());
  if (list_->parsed()) {
    const auto entries = cache.list();
    if (json_) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& e : entries) {
        out.push_back({{"key", e.key},
                       {"machine", e.machine},
                       {"suite", e.suite},
                       {"made_at", e.made_at},
                       {"disk_bytes", e.disk_bytes},
                       {"ram_bytes", e.ram_bytes},
                       {"ram", e.ram.string()},
                       {"problem", e.problem}});
      }
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    if (entries.empty()) {
      std::cout << "no templates in " << (user_cache_directory() / "templates").string() << "\n";
      return 0;
    }
    for (const auto& e : entries) {
      std::cout << e.key.substr(0, 16) << "  " << (e.machine.empty() ? "?" : e.machine) << "  "
                << (e.suite.empty() ? "?" : e.suite) << "  made " << e.made_at << ", used "
                << ago(e.last_used) << "  disk " << mib(e.disk_bytes) << ", RAM "
                << mib(e.ram_bytes) << (e.problem.empty() ? "" : "  DAMAGED: " + e.problem) << "\n";
    }
    return 0;
  }
  const auto removed = cache.gc(std::chrono::hours(24 * unused_days_));
  for (const auto& e : removed)
    std::cout << "removed " << e.key.substr(0, 16) << "  "
              << (e.problem.empty() ? "unused since " + ago(e.last_used) : e.problem) << "\n";
  // The tmpfs folders of this user's cache folders that are gone, whichever they were:
  // nothing else would ever give their memory back.
  const auto swept = BootCache::sweep_orphans(BootCache::default_shm_folder());
  for (const auto& s : swept)
    std::cout << "removed " << s.folder.string() << "  RAM of a cache folder that is gone ("
              << mib(s.bytes) << ")\n";
  // Boot media of multiboot profiles (hurdle mach-test's among them), unused as long.
  const auto media =
      remove_unused_media(user_cache_directory(), std::chrono::hours(24 * unused_days_));
  for (const auto& m : media) std::cout << "removed " << m.string() << "  unused boot medium\n";
  std::cout << removed.size() + swept.size() + media.size() << " removed\n";
  return 0;
}

}  // namespace hurdle::cli
