// A boot medium for a multiboot kernel and its modules, made by hurdle itself: the kernel
// (GNU Mach, or a developer's own build) and each module (a first task, a test module) are put
// on a GRUB rescue ISO whose grub.cfg boots them on the serial console. Made rootless with
// Debian's GRUB (`grub-mkrescue`, packages grub-pc-bin, grub-common, xorriso, mtools), kept in
// the user cache under the digest of everything it holds, so that a second run finds it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace hurdle {

struct MultibootModule {
  std::filesystem::path file;
  std::string name;                // the module's first word (argv[0]); default: the file's name
  std::vector<std::string> words;  // the words after it, given to the kernel as they are
  SourceLocation where;
};

struct MultibootSpec {
  std::filesystem::path kernel;
  std::vector<std::string> command_line;  // the kernel's command line, word by word
  std::vector<MultibootModule> modules;   // in boot order: GNU Mach starts the first one
  SourceLocation where;
};

// The grub.cfg that boots `spec` from the medium's /boot (kernel as /boot/kernel, module N as
// /boot/module-N): GRUB on the first serial port at 115200, no menu delay, the line
// `booting-start-of-test` (GNU Mach's test protocol marks a boot with it), then `multiboot`
// and one `module` line each. Every word is single-quoted, so that GRUB expands nothing:
// GNU Mach's boot-script words (${host-port}, $(task-create), ...) reach the kernel as written,
// and no word can become a GRUB command.
std::string multiboot_grub_config(const MultibootSpec& spec);

// The medium for `spec` in `cache_root`/boot-media (made when missing, atomically: two runs may
// make it at once). Throws ImageError naming what is missing (GRUB's tools) or what
// grub-mkrescue said.
// A medium found is touched: its modification time is when it was last used.
std::filesystem::path multiboot_medium(const MultibootSpec& spec,
                                       const std::filesystem::path& cache_root);

// Removes the media in `cache_root`/boot-media not used for `unused_for` (and what a run
// killed while making one left); returns what was removed (`hurdle cache gc`).
std::vector<std::filesystem::path> remove_unused_media(const std::filesystem::path& cache_root,
                                                       std::chrono::hours unused_for);

}  // namespace hurdle
