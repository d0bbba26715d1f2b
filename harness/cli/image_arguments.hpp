// What `hurdle run` and `hurdle validate` share about images: the lock to read and whether
// an unpinned entry may boot, and the check of a suite's machine as a run would make it.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "machine/image_resolver.hpp"
#include "suite/suite.hpp"

namespace hurdle::cli {

struct ImageArguments {
  std::string lock;
  bool allow_unpinned = false;

  void add_to(CLI::App* command);
  [[nodiscard]] ImageSettings settings() const;
};

// Loads the suite's machine profile and checks its image as a run would, fetching nothing.
void check_machine(const Suite& suite, const ImageArguments& images);

}  // namespace hurdle::cli
