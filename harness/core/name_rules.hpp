// The one rule for names that become file names, GoogleTest names, QEMU ids, image names and
// snapshot tags: ASCII letters, digits, '_' and '-' (and '.' where allowed), 1 to
// kMaxNameLength characters, not starting with '.' or '-' (a hidden file, or an option).
#pragma once

#include <cstddef>
#include <string_view>

namespace hurdle {

inline constexpr std::size_t kMaxNameLength = 100;

enum class NameDots { kRefused, kAllowed };

[[nodiscard]] bool valid_name(std::string_view name, NameDots dots = NameDots::kRefused);

}  // namespace hurdle
