// tests/bench/image_prepare: what `hurdle image fetch` costs, step by step, against the
// baseline a careful upstream project scripts by hand today (curl, sha512sum, tar -x, the
// grub.cfg and SSH-key edits, qemu-img convert; its edits need a loop mount and sudo, so the
// rootless stand-in here is debugfs -w, one call per file).
//
// The disk is Hurd-shaped (the hurd-disk fixture's layout: MBR, GRUB in the gap, a Hurd ext2
// root with Debian's GNU Mach and a screen-only grub.cfg), grown to Debian's proportions by
// putting --data-dir into its root: a --disk-gib GiB disk, mostly holes, packed as a sparse
// .img.tar.xz and served over HTTP on 127.0.0.1. Both sides start from the same file; each
// row is one run (the setup is not timed). The table gives seconds per step and the unpacked
// disk's apparent and allocated sizes.
//
// Usage: image_prepare [--disk-gib 4] [--data-dir /usr/lib/x86_64-linux-gnu] [--keep DIR]
//        image_prepare --disk-gib 1 --data-dir ""    (the smoke run: the fixture's own disk)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/digest.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "disk/partition_table.hpp"
#include "disk/sparse_file.hpp"
#include "image/transfer_progress.hpp"
#include "machine/image_resolver.hpp"
#include "support/file_server.hpp"
#include "support/test_image_lock.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using hurdle::run_program;

void must(const hurdle::ProgramResult& r, const std::string& what) {
  if (!r.ok()) {
    std::cerr << what << " failed: " << r.err << r.out << "\n";
    std::exit(1);
  }
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A Hurd-shaped disk of `gib` GiB: the fixture's MBR and GRUB gap, then a Hurd ext2 root
// holding the fixture's files and `data_dir`, packed as DISK.img.tar.xz.
fs::path make_disk(const fs::path& work, unsigned gib, const std::string& data_dir) {
  const fs::path fixture = fs::path(HURDLE_BENCH_GUEST_DIR) / "hurd-disk";
  const std::string name = "hurd-bench-20261125.img";
  must(run_program({"tar", "-xSJf", (fixture / "hurd-shaped-amd64-20261125.img.tar.xz").string(),
                    "-C", work.string()}),
       "tar");
  const fs::path small = work / "hurd-shaped-amd64-20261125.img";
  const auto table = hurdle::read_partition_table(small);
  const std::uint64_t offset = table.at(0).offset();
  // The fixture's root as a folder, plus the data.
  const fs::path root = work / "root";
  fs::create_directories(root);
  must(run_program({"debugfs", "-R", "rdump / " + root.string(),
                    small.string() + "?offset=" + std::to_string(offset)}),
       "debugfs rdump");
  const fs::path tree = root;  // rdump puts the root's entries straight into `root`
  if (!data_dir.empty())
    must(run_program({"cp", "-a", data_dir, (tree / "usr-lib").string()}), "cp");
  const fs::path disk = work / name;
  hurdle::copy_sparse(small, disk);  // as Debian's disk: holes, not zeros
  fs::resize_file(disk, std::uint64_t(gib) << 30);
  const fs::path part = work / "root.ext2";
  const std::uint64_t root_bytes = (std::uint64_t(gib) << 30) - offset - (64ull << 20);
  fs::remove(part);
  must(run_program({"mke2fs", "-q", "-o", "hurd", "-t", "ext2", "-L", "hurd-root", "-E",
                    "root_owner=0:0", "-d", tree.string(), "-F", part.string(),
                    std::to_string(root_bytes >> 10) + "k"}),
       "mke2fs");
  must(run_program({"dd", "if=" + part.string(), "of=" + disk.string(), "bs=1M",
                    "seek=" + std::to_string(offset), "oflag=seek_bytes", "conv=notrunc,sparse",
                    "status=none"}),
       "dd");
  // The partition entry's size, little-endian at 446 + 12.
  {
    std::fstream f(disk, std::ios::in | std::ios::out | std::ios::binary);
    const std::uint32_t sectors = static_cast<std::uint32_t>(root_bytes / 512);
    char le[4] = {char(sectors), char(sectors >> 8), char(sectors >> 16), char(sectors >> 24)};
    f.seekp(446 + 12);
    f.write(le, 4);
    const std::uint32_t swap_start = static_cast<std::uint32_t>((offset + root_bytes) / 512);
    const std::uint32_t swap = 64u << 11;
    char s[8] = {
        char(swap_start), char(swap_start >> 8), char(swap_start >> 16), char(swap_start >> 24),
        char(swap),       char(swap >> 8),       char(swap >> 16),       char(swap >> 24)};
    f.seekp(446 + 16 + 8);
    f.write(s, 8);
  }
  fs::remove_all(root);
  fs::remove(part);
  fs::remove(small);
  const fs::path packed = work / "served" / (name + ".tar.xz");
  fs::create_directories(packed.parent_path());
  must(run_program({"sh", "-c",
                    "tar --sparse -C '" + work.string() + "' -cf - " + name + " | xz -T0 -3 > '" +
                        packed.string() + "'"}),
       "tar | xz");
  fs::remove(disk);
  return packed;
}

struct Row {
  double download = 0, verify = 0, unpack = 0, prepare = 0, check = 0, convert = 0;
  std::uint64_t apparent = 0, allocated = 0;
  [[nodiscard]] double total() const {
    return download + verify + unpack + prepare + check + convert;
  }
};

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

// `hurdle image fetch`, through the library, into an empty cache; the times are the ones the
// manifests record for each step.
Row hurdle_row(const fs::path& work, const std::string& url, const std::string& digest,
               const std::string& member) {
  hurdle::test::TestImage entry;
  entry.name = "bench";
  entry.urls = {url};
  entry.member = member;
  entry.digest = digest;
  const fs::path lock = work / "lock.yaml";
  hurdle::test::write_test_lock(lock, {entry});
  hurdle::ImageSettings settings;
  settings.cache_dir = work / "cache";
  hurdle::ImageStore store = hurdle::open_image_store(lock, settings);
  const hurdle::PreparedImage image = store.fetch("bench");
  const auto artifact = read_json(
      store.cached_artifact(store.lock().find("bench"))->file.parent_path() / "manifest.json");
  const auto prepared = read_json(image.manifest);
  Row row;
  row.download = artifact["download"]["seconds"];
  row.verify = artifact["verify"]["seconds"];
  for (const auto& step : prepared["preparation"]["steps"]) {
    const double t = step["seconds"];
    if (step["step"] == "unpack") row.unpack = t;
    if (step["step"] == "prepare") row.prepare = t;
    if (step["step"] == "fsck") row.check = t;
    if (step["step"] == "convert") row.convert = t;
  }
  row.apparent = prepared["preparation"]["raw"]["bytes"];
  row.allocated = prepared["preparation"]["raw"]["data_bytes"];
  return row;
}

// The same by hand: curl, sha512sum, GNU tar, debugfs -w (one call, every edit), qemu-img.
Row baseline_row(const fs::path& work, const std::string& url, const std::string& digest,
                 const std::string& member, const std::string& public_key) {
  Row row;
  const fs::path dir = work / "baseline";
  fs::create_directories(dir);
  const fs::path file = dir / "download.img.tar.xz";
  auto t = Clock::now();
  must(run_program({"curl", "-fsS", "-o", file.string(), url}), "curl");
  row.download = seconds_since(t);
  t = Clock::now();
  const auto sum = run_program({"sha512sum", file.string()});
  must(sum, "sha512sum");
  if ("sha512:" + sum.out.substr(0, 128) != digest) {
    std::cerr << "the baseline download does not match\n";
    std::exit(1);
  }
  row.verify = seconds_since(t);
  t = Clock::now();
  must(run_program({"tar", "-xSJf", file.string(), "-C", dir.string()}), "tar -x");
  row.unpack = seconds_since(t);
  const fs::path raw = dir / member;
  const auto extent = hurdle::file_extent(raw);
  row.apparent = extent.apparent;
  row.allocated = extent.allocated;
  t = Clock::now();
  const std::uint64_t offset = hurdle::read_partition_table(raw).at(0).offset();
  const std::string device = raw.string() + "?offset=" + std::to_string(offset);
  std::string cfg = run_program({"debugfs", "-R", "cat /boot/grub/grub.cfg", device}).out;
  // What sed would do: console=com0 on the multiboot lines, the serial terminal at the end.
  std::string edited;
  std::istringstream lines(cfg);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("multiboot") != std::string::npos &&
        line.find("console=com0") == std::string::npos)
      line += " console=com0";
    edited += line + "\n";
  }
  edited +=
      "serial --unit=0 --speed=115200\nterminal_input serial console\n"
      "terminal_output serial console\n";
  std::ofstream(dir / "grub.cfg") << edited;
  std::ofstream(dir / "key") << public_key << "\n";
  std::ofstream(dir / "hurdle.conf") << "PermitRootLogin prohibit-password\n";
  std::ofstream(dir / "commands") << "rm /boot/grub/grub.cfg\n"
                                     "write "
                                  << (dir / "grub.cfg").string()
                                  << " /boot/grub/grub.cfg\n"
                                     "mkdir /root/.ssh\n"
                                     "sif /root/.ssh mode 040700\n"
                                     "write "
                                  << (dir / "key").string()
                                  << " /root/.ssh/authorized_keys\n"
                                     "sif /root/.ssh/authorized_keys mode 0100600\n"
                                     "write "
                                  << (dir / "hurdle.conf").string()
                                  << " /etc/ssh/sshd_config.d/hurdle.conf\n";
  must(run_program({"debugfs", "-w", "-f", (dir / "commands").string(), device}), "debugfs -w");
  row.prepare = seconds_since(t);
  t = Clock::now();
  must(run_program({"qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.string(),
                    (dir / "disk.qcow2").string()}),
       "qemu-img convert");
  row.convert = seconds_since(t);
  return row;
}

void print(const Row& h, const Row& b) {
  std::printf("%-10s %12s %12s\n", "step", "hurdle", "baseline");
  const auto line = [](const char* name, double x, double y, bool has_y = true) {
    if (has_y)
      std::printf("%-10s %10.3f s %10.3f s\n", name, x, y);
    else
      std::printf("%-10s %10.3f s %12s\n", name, x, "-");
  };
  line("download", h.download, b.download);
  line("verify", h.verify, b.verify);
  line("unpack", h.unpack, b.unpack);
  line("prepare", h.prepare, b.prepare);
  line("e2fsck", h.check, 0, false);
  line("convert", h.convert, b.convert);
  line("total", h.total(), b.total());
  std::printf("unpacked disk: %s apparent; written data %s (hurdle), allocated %s (tar -xS)\n",
              hurdle::byte_text(h.apparent).c_str(), hurdle::byte_text(h.allocated).c_str(),
              hurdle::byte_text(b.allocated).c_str());
  std::printf("hurdle total %.3f s, baseline %.3f s (hurdle also runs e2fsck twice: %.3f s)\n",
              h.total(), b.total(), h.check);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned gib = 4;
  std::string data_dir = "/usr/lib/x86_64-linux-gnu";
  std::string keep;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--disk-gib")
      gib = static_cast<unsigned>(std::stoul(argv[i + 1]));
    else if (flag == "--data-dir")
      data_dir = argv[i + 1];
    else if (flag == "--keep")
      keep = argv[i + 1];
  }
  hurdle::PrivateFolder scratch("bench-image");
  const fs::path work = keep.empty() ? scratch.path() : fs::path(keep);
  fs::create_directories(work);
  std::cerr << "making a " << gib << " GiB Hurd-shaped disk with "
            << (data_dir.empty() ? "no extra data" : data_dir) << " in its root...\n";
  const fs::path packed = make_disk(work, gib, data_dir);
  const std::string member = "hurd-bench-20261125.img";
  const std::string digest =
      "sha512:" + hurdle::file_digest(packed, hurdle::DigestAlgorithm::kSha512).hex;
  std::printf("artifact: %s, %s\n", packed.filename().c_str(),
              hurdle::byte_text(fs::file_size(packed)).c_str());
  hurdle::test::FileServer server(packed.parent_path(), hurdle::test::FileServer::Protocol::kHttp);
  const std::string url = server.url(packed.filename().string());
  const Row h = hurdle_row(work, url, digest, member);
  const std::string key = hurdle::recipe_variables(work / "cache").at("hurdle_ssh_public_key");
  const Row b = baseline_row(work, url, digest, member, key);
  print(h, b);
  return 0;
}
