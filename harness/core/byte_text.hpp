// Sizes as people read them in messages and logs: "512 B", "355.0 MiB", "4.20 GiB". Beside
// duration_text, which does the same for time.
#pragma once

#include <cstdint>
#include <string>

namespace hurdle {

std::string byte_text(std::uint64_t bytes);

}  // namespace hurdle
