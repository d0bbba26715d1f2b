// `hurdle cache list` and `hurdle cache gc`: the boot cache's machine templates (see
// engine/boot_cache.hpp). list prints one line per template: its key, machine, suite, when it
// was made and last used, the room its disks and RAM take, and what is wrong with it if
// anything (`--json` for scripts). gc removes templates unused for --unused-days (7 by
// default; 0: every template no run holds now), damaged ones, and leftovers. Exit statuses: 0,
// 3 when the cache folder cannot be read.
#pragma once

#include <CLI/CLI.hpp>

namespace hurdle::cli {

class CacheCommand {
 public:
  explicit CacheCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  int run();

 private:
  CLI::App* command_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* gc_ = nullptr;
  bool json_ = false;
  int unused_days_ = 7;
};

}  // namespace hurdle::cli
