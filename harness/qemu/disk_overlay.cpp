#include "qemu/disk_overlay.hpp"

#include "core/error.hpp"
#include "core/run_program.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

void run_qemu_img(const std::vector<std::string>& argv, const std::string& what) {
  if (find_program("qemu-img").empty())
    throw ImageError("qemu-img is not installed (Debian package qemu-utils)");
  const auto result = run_program(argv);
  if (!result.ok()) throw ImageError("qemu-img could not " + what + ": " + result.err);
}

}  // namespace

void save_overlay_changes(const fs::path& overlay, const fs::path& base,
                          const std::string& base_format, const fs::path& out) {
  run_qemu_img({"qemu-img", "convert", "-U", "-q", "-O", "qcow2", "-B", fs::absolute(base).string(),
                "-F", base_format, overlay.string(), out.string()},
               "save the changes of " + overlay.string() + " into " + out.string());
}

void rebase_overlay(const fs::path& overlay, const fs::path& base, const std::string& base_format) {
  run_qemu_img({"qemu-img", "rebase", "-u", "-q", "-F", base_format, "-b",
                fs::absolute(base).string(), overlay.string()},
               "put " + overlay.string() + " on " + base.string());
}

void create_overlay(const fs::path& base, const std::string& base_format, const fs::path& overlay) {
  run_qemu_img({"qemu-img", "create", "-q", "-f", "qcow2", "-F", base_format, "-b",
                fs::absolute(base).string(), overlay.string()},
               "create an overlay on " + base.string());
}

}  // namespace hurdle
