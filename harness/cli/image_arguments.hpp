// What `hurdle run` and `hurdle validate` share about images: the lock to read and whether
// an entry without a digest is refused, and the check of a suite's machine as a run would make it.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "machine/image_resolver.hpp"
#include "suite/suite.hpp"

namespace hurdle::cli {

struct ImageArguments {
  std::string lock;
  bool require_pinned = false;

  void add_to(CLI::App* command);
  [[nodiscard]] ImageSettings settings() const;
};

// --require-pinned, and the older --allow-unpinned (hidden: what the default does now).
void add_pinning_flags(CLI::App* command, bool& require_pinned);

// Loads the suite's machine profile and checks its image as a run would, fetching nothing.
void check_machine(const Suite& suite, const ImageArguments& images);

}  // namespace hurdle::cli
