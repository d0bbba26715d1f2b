// Where hurdle keeps what survives a run: verified images, the accelerator probe's verdict.
// $HURDLE_CACHE_DIR if set, else $XDG_CACHE_HOME/hurdle, else $HOME/.cache/hurdle. And where
// a run's own large files go (disk overlays, a run-only template's RAM): the work folder. Each
// is resolved here and nowhere else.
#pragma once

#include <filesystem>
#include <optional>

namespace hurdle {

// The folder (not created here). Throws Error when none of the variables gives a path.
std::filesystem::path user_cache_directory();

// `given` (an option's), else user_cache_directory().
std::filesystem::path cache_directory(const std::optional<std::filesystem::path>& given);

// The work folder: `given` (an option's), else $HURDLE_WORK_DIR, else the user cache folder's
// runs/. Not created here.
std::filesystem::path work_directory(const std::optional<std::filesystem::path>& given);

}  // namespace hurdle
