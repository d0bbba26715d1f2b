// Where the offline test guests (fixtures/guests: linux-mini, gnumach, hurd-disk) are found,
// whatever the build folder is called and wherever hurdle runs from. Profiles read it as the
// built-in variable ${guest_dir}.
#pragma once

#include <filesystem>

namespace hurdle {

// $HURDLE_GUEST_DIR when set; else `guests/` beside the running program's folder, when it
// exists (a build tree: `cmake --build B --target guests` puts them in B/guests, and programs
// in B/bin); else the user cache folder's `guests/` (for an installed hurdle: build them there
// with fixtures/guests/NAME/build ~/.cache/hurdle/guests/NAME).
std::filesystem::path test_guest_directory();

}  // namespace hurdle
