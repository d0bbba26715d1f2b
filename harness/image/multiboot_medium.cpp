#include "image/multiboot_medium.hpp"

#include <fstream>

#include "core/digest.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

// GRUB's quoting: inside '...' nothing is special but the closing quote.
std::string grub_word(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string module_name(const MultibootModule& m) {
  return m.name.empty() ? m.file.filename().string() : m.name;
}

// What goes into the medium: where each file is read from, and its place on it.
std::vector<std::pair<fs::path, std::string>> medium_files(const MultibootSpec& spec) {
  std::vector<std::pair<fs::path, std::string>> files{{spec.kernel, "boot/kernel"}};
  for (std::size_t i = 0; i < spec.modules.size(); ++i)
    files.emplace_back(spec.modules[i].file, "boot/module-" + std::to_string(i + 1));
  return files;
}

void copy_into(const fs::path& from, const fs::path& to, const SourceLocation& where) {
  std::error_code ec;
  fs::create_directories(to.parent_path());
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw ConfigError(where, "cannot read " + from.string() + ": " + ec.message());
}

}  // namespace

std::string multiboot_grub_config(const MultibootSpec& spec) {
  std::string cfg =
      "serial --unit=0 --speed=115200\n"
      "terminal_input serial\n"
      "terminal_output serial\n"
      "set timeout=0\n"
      "insmod gzio\n"
      "menuentry 'hurdle multiboot' {\n"
      "  echo booting-start-of-test\n"
      "  multiboot /boot/kernel";
  for (const auto& word : spec.command_line) cfg += " " + grub_word(word);
  cfg += "\n";
  for (std::size_t i = 0; i < spec.modules.size(); ++i) {
    const auto& m = spec.modules[i];
    cfg += "  module /boot/module-" + std::to_string(i + 1) + " " + grub_word(module_name(m));
    for (const auto& word : m.words) cfg += " " + grub_word(word);
    cfg += "\n";
  }
  return cfg + "}\n";
}

fs::path multiboot_medium(const MultibootSpec& spec, const fs::path& cache_root) {
  // The key: the configuration, every file's digest, and GRUB's version.
  const std::string cfg = multiboot_grub_config(spec);
  std::string inputs = "hurdle multiboot medium 1\n" + cfg;
  for (const auto& [from, place] : medium_files(spec)) {
    std::error_code ec;
    if (!fs::is_regular_file(from, ec))
      throw ConfigError(spec.where, "no such file for the boot medium: " + from.string());
    inputs += place + " " + file_digest(from, DigestAlgorithm::kSha256).hex + "\n";
  }
  for (const char* tool : {"grub-mkrescue", "xorriso", "mformat"})
    if (find_program(tool).empty())
      throw ImageError(std::string("making a boot medium for ") + spec.kernel.string() + " needs " +
                       tool +
                       ": install the Debian packages grub-pc-bin, grub-common, xorriso and "
                       "mtools (ci/setup does)");
  if (!fs::is_directory("/usr/lib/grub/i386-pc"))
    throw ImageError("making a boot medium needs GRUB's i386-pc modules: install grub-pc-bin");

  const ProgramResult version = run_program({"grub-mkrescue", "--version"});
  inputs += version.out;
  const fs::path folder = cache_root / "boot-media";
  const fs::path medium = folder / (text_digest(inputs).hex + ".iso");
  if (fs::exists(medium)) {
    std::error_code ec;
    fs::last_write_time(medium, fs::file_time_type::clock::now(), ec);  // used now
    return medium;
  }

  fs::create_directories(folder);
  PrivateFolder work("medium", folder);
  for (const auto& [from, place] : medium_files(spec))
    copy_into(from, work.path() / "tree" / place, spec.where);
  {
    const fs::path cfg_file = work.path() / "tree/boot/grub/grub.cfg";
    fs::create_directories(cfg_file.parent_path());
    std::ofstream(cfg_file) << cfg;
  }
  const fs::path made = work.path() / "medium.iso";
  const ProgramResult r =
      run_program({"grub-mkrescue", "-o", made.string(), (work.path() / "tree").string()});
  if (!r.ok() || !fs::exists(made))
    throw ImageError("grub-mkrescue could not make the boot medium for " + spec.kernel.string() +
                     " (exit " + std::to_string(r.exit_code) + "): " + r.err);
  fs::rename(made, medium);  // atomic: another run making the same medium gets one whole file
  return medium;
}

std::vector<fs::path> remove_unused_media(const fs::path& cache_root,
                                          std::chrono::hours unused_for) {
  std::vector<fs::path> removed;
  const fs::path folder = cache_root / "boot-media";
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return removed;
  PrivateFolder::sweep(folder);  // the work folders of runs killed while making a medium
  const auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.path().extension() != ".iso" || !entry.is_regular_file(ec)) continue;
    const auto used = fs::last_write_time(entry.path(), ec);
    if (ec || now - used < unused_for) continue;
    if (fs::remove(entry.path(), ec)) removed.push_back(entry.path());
  }
  return removed;
}

}  // namespace hurdle
