#include "cli/image_arguments.hpp"

#include <unistd.h>

#include <iostream>

#include "run/suite_run.hpp"

namespace hurdle::cli {

void ImageArguments::add_to(CLI::App* command) {
  command->add_option("--image-lock", lock,
                      "the image lock for profiles' image: (default: $HURDLE_IMAGE_LOCK, else "
                      "the one beside the profiles' folder)");
  command->add_flag("--allow-unpinned", allow_unpinned,
                    "boot an image whose lock entry has no digest (checked against SHA512SUMS)");
}

ImageSettings ImageArguments::settings() const {
  ImageSettings s;
  if (!lock.empty()) s.lock = std::filesystem::path(lock);
  s.allow_unpinned = allow_unpinned;
  s.log = {&std::cerr, progress_style(false, STDERR_FILENO), "hurdle: "};
  return s;
}

void check_machine(const Suite& suite, const ImageArguments& images) {
  check_suite_machine(suite, images.settings());
}

}  // namespace hurdle::cli
