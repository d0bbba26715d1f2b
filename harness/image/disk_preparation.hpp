// Turns a verified download into the base disk hurdle boots: unpack it keeping its holes,
// find the filesystem the recipe edits from the partition table, apply the recipe without
// mounting (libext2fs), check the filesystem with e2fsck, convert to qcow2. Works in a scratch
// folder; the download itself is only read.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "disk/ext2_filesystem.hpp"
#include "disk/partition_table.hpp"
#include "image/disk_unpacker.hpp"
#include "image/image_lock.hpp"
#include "image/prepare_recipe.hpp"
#include "image/transfer_progress.hpp"

namespace hurdle {

struct PreparationStep {
  std::string name;  // "unpack", "prepare", "fsck", "convert"
  std::chrono::milliseconds elapsed{0};
  std::string detail;
};

struct PreparationResult {
  UnpackResult raw;                    // the unpacked disk
  std::optional<Partition> partition;  // the one edited (none without steps)
  std::optional<Ext2Info> filesystem;
  std::vector<std::string> changes;  // one line per recipe step
  std::string fsck;                  // "clean", or why it was not checked
  std::uint64_t qcow2_bytes = 0;
  std::vector<PreparationStep> steps;

  [[nodiscard]] nlohmann::json to_json() const;
};

// Prepares `artifact` (the entry's download) into `qcow2`, working in `work`. Throws
// ImageError naming the step that failed.
PreparationResult prepare_disk(const ImageEntry& entry, const std::filesystem::path& artifact,
                               const std::vector<PrepareStep>& resolved,
                               const std::filesystem::path& work,
                               const std::filesystem::path& qcow2, const StatusLog& log);

// `qemu-img convert` from `format` to qcow2 (or raw); throws ImageError with its message.
void convert_disk(const std::filesystem::path& from, const std::string& from_format,
                  const std::filesystem::path& to, const std::string& to_format);

}  // namespace hurdle
