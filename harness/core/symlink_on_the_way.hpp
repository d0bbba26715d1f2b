// Where a path the guest had a say in would be followed out of its folder: the first folder
// between `base` and `base/relative` (`relative`'s last part excluded) that is a symbolic
// link. A folder the guest sent back may hold links (kept as links), and a later write below
// one of them (`ssh.get` into `out/sub/x` after `out` came back with `sub` a link to /home)
// must not land where the link points.
#pragma once

#include <filesystem>
#include <iterator>
#include <optional>
#include <system_error>

namespace hurdle {

[[nodiscard]] inline std::optional<std::filesystem::path> symlink_on_the_way(
    const std::filesystem::path& base, const std::filesystem::path& relative) {
  std::filesystem::path at = base;
  for (auto part = relative.begin(); part != relative.end(); ++part) {
    if (std::next(part) == relative.end()) break;
    at /= *part;
    std::error_code ec;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(at, ec))) return at;
  }
  return std::nullopt;
}

}  // namespace hurdle
