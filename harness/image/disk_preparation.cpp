#include "image/disk_preparation.hpp"

#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/run_program.hpp"
#include "disk/sparse_file.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::chrono::milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
}

// e2fsck -fn (force, change nothing) on the filesystem at `offset`: 0 means clean.
ProgramResult fsck(const fs::path& disk, std::uint64_t offset) {
  return run_program({"e2fsck", "-fn", disk.string() + "?offset=" + std::to_string(offset)});
}

std::string first_lines(const std::string& text, int n) {
  std::string out;
  std::size_t start = 0;
  for (int i = 0; i < n && start < text.size(); ++i) {
    const auto end = text.find('\n', start);
    out +=
        "\n    " + text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

nlohmann::json PreparationResult::to_json() const {
  nlohmann::json j;
  j["raw"] = {{"bytes", raw.size}, {"data_bytes", raw.data_bytes}};
  if (partition)
    j["partition"] = {{"number", partition->number},
                      {"type", partition->type},
                      {"offset", partition->offset()},
                      {"bytes", partition->size()}};
  if (filesystem)
    j["filesystem"] = {{"creator_os", filesystem->creator_os},
                       {"label", filesystem->label},
                       {"block_size", filesystem->block_size},
                       {"blocks", filesystem->blocks},
                       {"free_blocks", filesystem->free_blocks}};
  j["changes"] = changes;
  j["fsck"] = fsck;
  j["qcow2_bytes"] = qcow2_bytes;
  for (const auto& s : steps)
    j["steps"].push_back({{"step", s.name},
                          {"seconds", std::chrono::duration<double>(s.elapsed).count()},
                          {"detail", s.detail}});
  return j;
}

void convert_disk(const fs::path& from, const std::string& from_format, const fs::path& to,
                  const std::string& to_format) {
  if (find_program("qemu-img").empty())
    throw ImageError("qemu-img is not installed (Debian package qemu-utils)");
  const auto r = run_program(
      {"qemu-img", "convert", "-f", from_format, "-O", to_format, from.string(), to.string()});
  if (!r.ok())
    throw ImageError("qemu-img could not convert " + from.string() + " to " + to_format + ": " +
                     r.err);
}

namespace {

// 1. Unpacks the artifact into `raw`, keeping holes.
void unpack_step(const ImageEntry& entry, const fs::path& artifact, const fs::path& work,
                 const fs::path& raw, const StatusLog& log, PreparationResult& result) {
  const auto t = Clock::now();
  TransferProgress meter = log.meter("unpacking " + entry.file_name());
  const fs::path unpacked = entry.format == "raw" ? raw : work / "disk.qcow2-in";
  result.raw = unpack_disk_image(
      artifact, entry.archive, entry.member, unpacked,
      [&](std::uint64_t done, std::uint64_t total) { meter.update(done, total); });
  if (entry.format == "qcow2") {
    convert_disk(unpacked, "qcow2", raw, "raw");
    fs::remove(unpacked);
    const auto extent = file_extent(raw);
    result.raw = {extent.apparent, extent.allocated};
  }
  const std::string unpacked_text = byte_text(result.raw.size) + " disk, " +
                                    byte_text(result.raw.data_bytes) + " of data, the rest holes";
  result.steps.push_back({"unpack", since(t), unpacked_text});
  meter.finish(file_extent(artifact).apparent, unpacked_text);
}

// 2. Applies the recipe to the chosen filesystem, checked by e2fsck before and after.
void recipe_step(const ImageEntry& entry, const std::vector<PrepareStep>& resolved,
                 const fs::path& raw, const StatusLog& log, PreparationResult& result) {
  auto t = Clock::now();
  const auto table = read_partition_table(raw);
  result.partition = choose_partition(table, entry.partition, raw);
  const std::uint64_t offset = result.partition->offset();
  // An image whose filesystem was not clean to begin with (a few counters off, as images
  // made on a running system can be) is prepared all the same; only a clean one is held to
  // staying clean.
  const ProgramResult before = fsck(raw, offset);
  {
    Ext2Filesystem fs(raw, offset, true);
    result.filesystem = fs.info();
    result.changes = apply_recipe(fs, resolved).done;
    fs.close();
  }
  result.steps.push_back({"prepare", since(t),
                          result.partition->describe() + ", " + result.filesystem->creator_os +
                              " ext2: " + std::to_string(result.changes.size()) + " step(s)"});
  log.say("prepared " + result.partition->describe() + " (" + result.filesystem->creator_os +
          " ext2): " + std::to_string(result.changes.size()) + " step(s) (" +
          seconds_text(since(t)) + ")");
  for (const auto& c : result.changes) log.say("  " + c);
  t = Clock::now();
  if (before.ok()) {
    const ProgramResult after = fsck(raw, offset);
    if (!after.ok())
      throw ImageError(
          "e2fsck finds the prepared filesystem damaged (it was clean before the "
          "recipe ran; exit " +
          std::to_string(after.exit_code) + "):" + first_lines(after.out + after.err, 12));
    result.fsck = "clean";
  } else {
    result.fsck =
        "not checked: e2fsck did not find the filesystem clean before preparing it "
        "(exit " +
        std::to_string(before.exit_code) + ")";
    log.say("note: " + result.fsck + first_lines(before.out, 4));
  }
  result.steps.push_back({"fsck", since(t), result.fsck});
}

// 3. Converts `raw` to qcow2, the format overlays and snapshots build on.
void convert_step(const fs::path& raw, const fs::path& qcow2, const StatusLog& log,
                  PreparationResult& result) {
  const auto t = Clock::now();
  convert_disk(raw, "raw", qcow2, "qcow2");
  fs::remove(raw);
  result.qcow2_bytes = file_extent(qcow2).allocated;
  result.steps.push_back({"convert", since(t), byte_text(result.qcow2_bytes) + " qcow2"});
  log.say("converted to qcow2: " + byte_text(result.qcow2_bytes) + " (" + seconds_text(since(t)) +
          ")");
}

}  // namespace

PreparationResult prepare_disk(const ImageEntry& entry, const fs::path& artifact,
                               const std::vector<PrepareStep>& resolved, const fs::path& work,
                               const fs::path& qcow2, const StatusLog& log) {
  PreparationResult result;
  fs::create_directories(work);
  const fs::path raw = work / "disk.raw";
  unpack_step(entry, artifact, work, raw, log, result);
  if (!resolved.empty()) recipe_step(entry, resolved, raw, log, result);
  convert_step(raw, qcow2, log, result);
  return result;
}

}  // namespace hurdle
