// Where hurdle keeps what survives a run: verified images, the accelerator probe's verdict.
// $HURDLE_CACHE_DIR if set, else $XDG_CACHE_HOME/hurdle, else $HOME/.cache/hurdle.
#pragma once

#include <filesystem>

namespace hurdle {

// The folder (not created here). Throws Error when none of the variables gives a path.
std::filesystem::path user_cache_directory();

}  // namespace hurdle
