#include "cli/image_arguments.hpp"

#include <unistd.h>

#include <iostream>

#include "run/suite_run.hpp"

namespace hurdle::cli {

void ImageArguments::add_to(CLI::App* command) {
  command->add_option("--image-lock", lock,
                      "the image lock for profiles' image: (default: $HURDLE_IMAGE_LOCK, else "
                      "the one beside the profiles' folder)");
  add_pinning_flags(command, require_pinned);
}

void add_pinning_flags(CLI::App* command, bool& require_pinned) {
  command->add_flag("--require-pinned", require_pinned,
                    "refuse a lock entry without a digest (by default its first use is checked "
                    "against the SHA512SUMS its server publishes over HTTPS, and later uses "
                    "against what that said)");
  // Before the default took unpinned entries on first use, they needed this flag; workflows
  // that still pass it mean the default.
  command
      ->add_flag_callback(
          "--allow-unpinned", [] {}, "the default now (kept for older command lines)")
      ->group("");
}

ImageSettings ImageArguments::settings() const {
  ImageSettings s;
  if (!lock.empty()) s.lock = std::filesystem::path(lock);
  s.require_pinned = require_pinned;
  s.log = {&std::cerr, progress_style(false, STDERR_FILENO), "hurdle: "};
  return s;
}

void check_machine(const Suite& suite, const ImageArguments& images) {
  check_suite_machine(suite, images.settings());
}

}  // namespace hurdle::cli
