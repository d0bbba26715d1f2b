#include "cli/cache_command.hpp"

#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/cache_directory.hpp"
#include "engine/boot_cache.hpp"

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
                                 "remove templates not used lately, damaged ones and leftovers");
  gc_->add_option("--unused-days", unused_days_,
                  "remove templates unused for this many days (0: every one no run holds now)")
      ->check(CLI::Range(0, 3650));
}

int CacheCommand::run() {
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
  std::cout << removed.size() << " removed\n";
  return 0;
}

}  // namespace hurdle::cli
