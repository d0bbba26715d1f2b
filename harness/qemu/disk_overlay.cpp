#include "qemu/disk_overlay.hpp"

#include "core/error.hpp"
#include "core/run_program.hpp"

namespace hurdle {

namespace fs = std::filesystem;

void create_overlay(const fs::path& base, const std::string& base_format, const fs::path& overlay) {
  if (find_program("qemu-img").empty())
    throw ImageError("qemu-img is not installed (Debian package qemu-utils)");
  const auto result = run_program({"qemu-img", "create", "-q", "-f", "qcow2", "-F", base_format,
                                   "-b", fs::absolute(base).string(), overlay.string()});
  if (!result.ok())
    throw ImageError("qemu-img could not create an overlay on " + base.string() + ": " +
                     result.err);
}

}  // namespace hurdle
