// How a downloaded disk is prepared for hurdle: a list of steps that edit files in one
// filesystem of the disk (found from its partition table), written in YAML in the image lock
// (named recipes) and in machine profiles. Nothing in the code is special to one image: the
// Hurd's serial console and SSH key are recipes in fixtures/images.lock.yaml.
//
//   - edit:  { file: /boot/grub/grub.cfg, append: "...", prepend: "...",
//              lines: { matching: '^\s*multiboot\s', append: ' console=com0', unless: 'com0' } }
//   - write: { file: /root/.ssh/authorized_keys, content: "${hurdle_ssh_public_key}\n",
//              mode: '0600', owner: '0:0' }
//   - mkdir: { path: /root/.ssh, mode: '0700', owner: '0:0' }    (missing parents too)
//
// Texts may use ${...} variables (hurdle_ssh_public_key, env:NAME); they are expanded when the
// recipe is resolved, and the resolved recipe's digest names the prepared image in the cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/variables.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "disk/ext2_filesystem.hpp"

namespace YAML {
class Node;  // yaml-cpp stays out of hurdle's installed headers
}

namespace hurdle {

// edit's `lines:` append `append` to every line matching `matching` (RE2) unless it also
// matches `unless`. At least one line must match `matching`: a recipe that finds nothing to
// change does not fit the image, and saying so beats booting a disk that was not prepared.
struct LineEdit {
  std::string matching;
  std::string append;
  std::string unless;
};

struct PrepareStep {
  enum class Kind { kEdit, kWrite, kMkdir };
  Kind kind = Kind::kEdit;
  SourceLocation where;
  std::string recipe;  // the named recipe it came from ("" when written inline)
  std::string path;
  std::string prepend, append;    // edit
  std::optional<LineEdit> lines;  // edit
  std::string content;            // write
  Ext2Attributes attributes;      // write, mkdir

  // "edit /boot/grub/grub.cfg (recipe hurd-serial-console, lock.yaml:12:7)".
  [[nodiscard]] std::string describe() const;
};

// The variables a recipe may use besides env:NAME, for checking recipes when they are read.
const std::vector<std::string>& recipe_variable_names();
// Those names with stand-in values: resolving with them checks a recipe without its real
// values (no key is made to validate a suite).
Variables recipe_placeholders();

// Reads one step (a mapping with one key: edit, write or mkdir). `recipe` is its recipe's
// name, for messages. Throws ConfigError at the node.
PrepareStep read_prepare_step(const YAML::Node& node, const std::filesystem::path& file,
                              const std::string& recipe);

// The steps with their ${...} expanded; throws ConfigError at a step with an unknown one.
std::vector<PrepareStep> resolve_recipe(const std::vector<PrepareStep>& steps,
                                        const Variables& variables);

// The resolved steps as canonical JSON (the same steps always give the same text), and its
// digest, which names the prepared image together with the artifact's digest.
nlohmann::json recipe_json(const std::vector<PrepareStep>& resolved);
Digest recipe_digest(const std::vector<PrepareStep>& resolved);

struct PrepareReport {
  std::vector<std::string> done;  // one line per step: "edited /boot/grub/grub.cfg: ..."
};

// Applies resolved steps to the filesystem. Throws ImageError naming the step.
PrepareReport apply_recipe(Ext2Filesystem& filesystem, const std::vector<PrepareStep>& resolved);

}  // namespace hurdle
