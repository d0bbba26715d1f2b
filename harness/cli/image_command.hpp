// `hurdle image ...`: the image lock and cache from the command line (list, fetch, verify,
// path, pin, import, gc). Parsing and printing only; the work is ImageStore's.
// Exit statuses: 0 done, 1 verify found a changed file or path found nothing cached, 2 bad
// input (the lock, a name, an unpinned entry), 3 the download, disk or a tool failed.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hurdle::cli {

class ImageCommand {
 public:
  // Adds `image` and its subcommands to `app`.
  explicit ImageCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  // Runs the subcommand that was given; returns the exit status.
  int run();

 private:
  CLI::App* command_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* fetch_ = nullptr;
  CLI::App* verify_ = nullptr;
  CLI::App* path_ = nullptr;
  CLI::App* pin_ = nullptr;
  CLI::App* import_ = nullptr;
  CLI::App* gc_ = nullptr;
  std::string lock_;
  std::string cache_dir_;
  std::string ca_file_;
  std::vector<std::string> names_;
  std::string import_name_;
  std::string import_file_;
  bool quiet_ = false;
  bool require_pinned_ = false;
  bool all_ = false;
  int attempts_ = 4;
};

}  // namespace hurdle::cli
