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

std::vector<fs::path> make_disk_files(const MachineProfile& profile, const fs::path& folder,
                                      const std::map<std::string, OverlayStart>& starts) {
  std::vector<fs::path> files;
  for (const auto& disk : profile.disks) {
    if (!fs::exists(disk.file)) {
      throw ImageError(profile.name + ": the disk image " + disk.file.string() +
                       " does not exist (profile " + profile.source.string() + ")");
    }
    if (disk.mode != DiskSpec::Mode::kOverlay) {
      files.push_back(disk.file);
      continue;
    }
    const fs::path overlay = folder / (disk.node_name + ".overlay.qcow2");
    const auto start = starts.find(disk.node_name);
    if (start == starts.end()) {
      create_overlay(disk.file, disk.format, overlay);
    } else if (start->second.how == OverlayStart::How::kLayer) {
      if (!fs::exists(start->second.file))
        throw ImageError(profile.name + ": disk " + disk.node_name + " starts from " +
                         start->second.file.string() + ", which does not exist");
      create_overlay(start->second.file, "qcow2", overlay);
    } else {
      // The saved changes stay as they are; the copy is put on this host's base.
      fs::copy_file(start->second.file, overlay, fs::copy_options::overwrite_existing);
      rebase_overlay(overlay, disk.file, disk.format);
    }
    files.push_back(overlay);
  }
  return files;
}

void create_overlay(const fs::path& base, const std::string& base_format, const fs::path& overlay) {
  run_qemu_img({"qemu-img", "create", "-q", "-f", "qcow2", "-F", base_format, "-b",
                fs::absolute(base).string(), overlay.string()},
               "create an overlay on " + base.string());
}

}  // namespace hurdle
