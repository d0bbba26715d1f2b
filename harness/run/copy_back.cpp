#include "run/copy_back.hpp"

#include <iostream>

#include "core/error.hpp"
#include "core/symlink_on_the_way.hpp"
#include "run/exec_suite.hpp"

namespace hurdle {

namespace fs = std::filesystem;

void put_copied_back(const fs::path& sync, const std::vector<std::string>& paths,
                     const fs::path& copied, const std::string& who) {
  for (const auto& path : paths) {
    const fs::path relative = normal_relative(path);
    for (const fs::path& base : {copied, sync}) {
      if (const auto link = symlink_on_the_way(base, relative))
        throw Error("--copy-back " + path + ": " + link->string() +
                    " is a symbolic link; a path is not copied back through one");
    }
    const fs::path from = copied / relative;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(from, ec))) continue;
    const fs::path to = sync / relative;
    fs::create_directories(to.parent_path());
    fs::remove_all(to);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    std::cerr << who << ": copied back " << path << "\n";
  }
}

}  // namespace hurdle
