// `hurdle cache list|gc|pack|unpack`: the boot cache's machine templates (see
// engine/boot_cache.hpp and pack/template_pack.hpp). list prints one line per template: its key,
// machine, suite, when it was made and last used, the room its disks and RAM take, and what is
// wrong with it if anything (`--json` for scripts). gc removes templates unused for --unused-days
// (7 by default; 0: every template no run holds now), damaged ones, and leftovers. Exit statuses:
// 0, 3 when the cache folder cannot be read. pack (KEY | --suite NAME) --to FILE writes one
// template as a file that travels (a CI cache), signed with $HURDLE_PACK_KEY when it is set;
// unpack FILE... puts packs into the boot cache: only packs signed with $HURDLE_PACK_KEY, or
// with --trust-unsigned any pack not signed with another key (exit 2 for a file that is not a
// pack or is refused, naming what is wrong in it).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

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
  CLI::App* pack_ = nullptr;
  CLI::App* unpack_ = nullptr;
  bool json_ = false;
  int unused_days_ = 7;
  std::string pack_key_;
  std::string pack_suite_;
  std::string pack_to_;
  std::vector<std::string> unpack_files_;
  bool trust_unsigned_ = false;

  int pack() const;
  int unpack() const;
};

}  // namespace hurdle::cli
