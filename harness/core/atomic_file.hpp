// Writes a whole file so that readers only ever see the old or the new content: a temporary
// file in the same folder, then rename. Reports and caches that a killed hurdle must not leave
// half-written use it.
#pragma once

#include <filesystem>
#include <string_view>

namespace hurdle {

// Creates the parent folder if needed. Throws Error naming the file on failure.
void write_file_atomically(const std::filesystem::path& file, std::string_view content);

}  // namespace hurdle
