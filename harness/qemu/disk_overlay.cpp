#include "qemu/disk_overlay.hpp"

#include "core/error.hpp"
#include "core/run_program.hpp"
#include "core/safe_text.hpp"
#include "disk/qcow2_header.hpp"

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

DiskFiles make_disk_files(const MachineProfile& profile, const fs::path& folder,
                          const std::map<std::string, OverlayStart>& starts) {
  DiskFiles out;
  for (const auto& disk : profile.disks) {
    if (!fs::exists(disk.file)) {
      throw ImageError(profile.name + ": the disk image " + disk.file.string() +
                       " does not exist (profile " + profile.source.string() + ")");
    }
    if (disk.mode != DiskSpec::Mode::kOverlay) {
      out.files.push_back(disk.file);
      out.backing.emplace_back();
      continue;
    }
    const DiskLayer base{fs::absolute(disk.file), disk.format};
    const fs::path overlay = folder / (disk.node_name + ".overlay.qcow2");
    const auto start = starts.find(disk.node_name);
    if (start == starts.end()) {
      create_overlay(disk.file, disk.format, overlay);
      out.backing.push_back({base});
    } else if (start->second.how == OverlayStart::How::kLayer) {
      const fs::path& frozen = start->second.file;
      if (!fs::exists(frozen))
        throw ImageError(profile.name + ": disk " + disk.node_name + " starts from " +
                         frozen.string() + ", which does not exist");
      const Qcow2Header header = check_overlay_confined(frozen, base);
      create_overlay(frozen, "qcow2", overlay, header.virtual_size);
      out.backing.push_back({{fs::absolute(frozen), "qcow2"}, base});
    } else {
      // The saved changes stay as they are; the copy is put on this host's base.
      (void)check_overlay_confined(start->second.file, std::nullopt);
      fs::copy_file(start->second.file, overlay, fs::copy_options::overwrite_existing);
      rebase_overlay(overlay, disk.file, disk.format);
      out.backing.push_back({base});
    }
    out.files.push_back(overlay);
  }
  return out;
}

std::optional<std::string> confinement_problem(const Qcow2Header& h,
                                               const std::optional<DiskLayer>& base) {
  if (h.external_data())
    return "it keeps its data in another file (an external data file" +
           (h.data_file.empty() ? std::string() : ": " + safe_line(h.data_file)) + ")";
  if (h.encryption != 0) return "it is encrypted";
  constexpr std::uint64_t known =
      Qcow2Header::kDirty | Qcow2Header::kCompressionType | Qcow2Header::kExtendedL2;
  if ((h.incompatible & ~known) != 0)
    return "it uses qcow2 features hurdle does not know (incompatible bits " +
           std::to_string(h.incompatible) + ")";
  if (!base) return std::nullopt;
  const std::string expected = fs::absolute(base->file).string();
  if (h.backing_file != expected)
    return "its backing file is " +
           (h.backing_file.empty() ? std::string("none")
                                   : "'" + safe_line(utf8_head(h.backing_file, 200)) + "'") +
           ", not the base " + expected;
  if (h.backing_format != base->format)
    return "its backing format is '" + safe_line(utf8_head(h.backing_format, 40)) + "', not " +
           base->format;
  return std::nullopt;
}

Qcow2Header check_overlay_confined(const fs::path& overlay, const std::optional<DiskLayer>& base) {
  Qcow2Header h = read_qcow2_header(overlay);
  if (const auto why = confinement_problem(h, base))
    throw ImageError(overlay.string() + ": a disk hurdle will not open: " + *why);
  return h;
}

void create_overlay(const fs::path& base, const std::string& base_format, const fs::path& overlay,
                    std::optional<std::uint64_t> size) {
  std::vector<std::string> argv = {"qemu-img",  "create", "-q",
                                   "-f",        "qcow2",  "-F",
                                   base_format, "-b",     fs::absolute(base).string()};
  if (size) argv.push_back("-u");
  argv.push_back(overlay.string());
  if (size) argv.push_back(std::to_string(*size));
  run_qemu_img(argv, "create an overlay on " + base.string());
}

}  // namespace hurdle
