// A machine profile: the declarative description of a virtual machine (hardware, boot media,
// network forwards, boot markers, panic patterns, time-outs), loaded from fixtures/machines/*.yaml.
// QemuCommand turns it into QEMU's argv; Machine uses the markers, patterns and time-outs.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/variables.hpp"
#include "image/image_store.hpp"
#include "image/multiboot_medium.hpp"
#include "image/prepare_recipe.hpp"

namespace hurdle {

enum class Accelerator { kAuto, kKvm, kTcg };
std::string to_string(Accelerator accel);
// "auto", "kvm" or "tcg"; nullopt for anything else.
std::optional<Accelerator> accelerator_named(const std::string& text);

struct DiskSpec {
  enum class Mode { kOverlay, kReadOnly, kDirect };
  std::string node_name;       // QEMU block node name (snapshots address disks by it)
  std::filesystem::path file;  // the base image
  std::string format = "qcow2";
  std::string interface = "ide";  // ide | ahci (SATA) | virtio | scsi
  std::string cache = "writeback";
  Mode mode = Mode::kOverlay;  // overlay: a per-run qcow2 on top; the base is never written
};

struct PortForward {
  std::string name;              // e.g. "ssh"
  std::uint16_t guest_port = 0;  // the host port is chosen free on 127.0.0.1 at start
};

struct NicSpec {
  std::string model = "e1000";
  std::vector<PortForward> forwards;
};

struct NamedPattern {
  std::string name;
  std::string pattern;  // RE2 syntax
};

struct LoginSpec {
  // false (`required: false`): the console waits at its prompt after boot, for anyone (a
  // program answering line commands, as mach-probe); nobody logs in.
  bool required = true;
  std::string user = "root";
  std::string password;                  // empty: no password
  std::string login_prompt = "login: ";  // RE2
  std::string password_prompt = "[Pp]assword: ?";
  std::string shell_prompt = R"([#$] $)";  // RE2, matched at the end of output
};

// How hurdle reaches the guest over SSH: through the NIC forward named `forward`.
struct SshSpec {
  enum class Auth { kNone, kPassword, kKey, kEphemeralKey, kHurdleKey };
  std::string forward = "ssh";
  std::string user = "root";
  Auth auth = Auth::kPassword;
  std::string password;       // kPassword ("" is a blank password)
  std::filesystem::path key;  // kKey: a private key file
  // kEphemeralKey: a fresh ed25519 key per run, appended to ~USER/.ssh/authorized_keys over
  // the serial console (the console must be logged in as USER by then).
  // kHurdleKey: hurdle's own key from the user cache folder (ssh/owned_key.hpp), which the
  // image's preparation put into the guest: no console needed.
  std::chrono::milliseconds ready_timeout{std::chrono::minutes(2)};
  // `ready: {command, output}`: the round trip that proves the guest ready (default `exit 0`),
  // and an RE2 its output (without the final newline) must match whole.
  std::string ready_command = "exit 0";
  std::string ready_output;
};

// `command_channel:`: a root shell the guest keeps on serial port `serial` (1 is the second;
// the console is 0), which Machine::execute uses for commands instead of SSH when it answers
// (console/command_channel.hpp says what the guest must offer). The commands of `user` go
// over it: SSH's as well, when its user is the same.
// `console_commands:`: how a command run on the console says how it went. By default a shell
// reports its `$?` (console/console_command.hpp frames the command with markers); `status:
// last-line` is for a program that answers line commands, prints its output and then one
// status line before its next prompt (mach-probe's `ok` / `error: ...`).
struct ConsoleCommandsSpec {
  enum class Status { kShell, kLastLine };
  Status status = Status::kShell;
  std::string ok = "ok";            // RE2, the whole status line of a command that succeeded
  std::string error = "error: .*";  // RE2, the whole status line of one that failed
};

struct CommandChannelSpec {
  int serial = 1;
  std::string user = "root";
};

struct Timeouts {
  std::chrono::milliseconds boot{std::chrono::minutes(10)};
  std::chrono::milliseconds command{std::chrono::seconds(60)};
  std::chrono::milliseconds shutdown{std::chrono::seconds(30)};
};

// The profile's `image:` section: a disk image from an image lock, named by its entry, that
// `${image}` stands for once it has been fetched and prepared.
//   image: debian-hurd-amd64
//   image: { name: debian-hurd-amd64, lock: ../images.lock.yaml, prepare: [steps] }
struct ImageRequest {
  std::string name;                  // the lock entry (a suite's `image:` replaces it)
  std::filesystem::path lock;        // default: images.lock.yaml beside the profiles' folder
  std::vector<PrepareStep> prepare;  // after the entry's own recipes
  SourceLocation where;
};

// Turns a profile's image request into a prepared disk (fetching it if need be), or checks
// that it could (validation). Given by whoever loads the profile (Machine, the runner, the CLI).
using ImageResolver = std::function<PreparedImage(const ImageRequest&)>;

// Makes the boot medium of a profile's `boot: multiboot:` (image/multiboot_medium.hpp).
using BootMediumMaker = std::function<std::filesystem::path(const MultibootSpec&)>;

struct ProfileImageOptions {
  std::string name;       // replaces the profile's image name (a suite's `image:`)
  ImageResolver resolve;  // unset: `${image}` must be given as a variable
  // Sets `cdrom` to the medium of `multiboot`; unset (validation): no medium is made.
  BootMediumMaker boot_medium;
};

// How the guest powers itself off (Machine::power_off): the command, and for a guest that halts
// its CPU instead of powering the machine off (QEMU then sees no SHUTDOWN), the console line that
// says the halt is complete.
struct PowerOffSpec {
  std::string command = "poweroff";
  std::string halted_pattern;  // empty: only QEMU's SHUTDOWN event counts
};

struct MachineProfile {
  std::filesystem::path source;  // the YAML file it came from
  std::string name;
  std::string description;
  std::string qemu = "qemu-system-x86_64";
  std::string machine = "pc";
  std::string cpu;  // empty: QEMU's default
  std::uint64_t memory_mib = 512;
  unsigned cpus = 1;
  Accelerator accel = Accelerator::kAuto;
  std::string rtc;  // e.g. "base=utc"
  std::vector<DiskSpec> disks;
  std::optional<std::filesystem::path> cdrom;
  std::optional<std::filesystem::path> kernel;
  std::optional<std::filesystem::path> initrd;
  std::string append;
  // `boot: multiboot:`: a kernel and modules GRUB boots from a medium hurdle makes (`cdrom`
  // names it once made).
  std::optional<MultibootSpec> multiboot;
  std::vector<NicSpec> nics;
  std::vector<std::string> extra_args;
  std::vector<NamedPattern> boot_markers;    // in the order they appear during boot
  std::vector<NamedPattern> panic_patterns;  // fail any wait at once when seen
  LoginSpec login;
  ConsoleCommandsSpec console_commands;
  std::string reboot_command = "reboot";  // run in the guest by Machine::reboot()
  PowerOffSpec power_off;                 // the `power_off:` section
  std::optional<SshSpec> ssh;  // the `ssh:` section; by default, when a forward is named ssh
  std::optional<CommandChannelSpec> command_channel;  // the `command_channel:` section
  Timeouts timeouts;
  std::optional<ImageRequest> image;            // the `image:` section
  std::optional<PreparedImage> prepared_image;  // what `${image}` became (when resolved)

  // Every file QEMU will be given (disks, kernel, initrd, cdrom) and where the profile names it.
  struct FileReference {
    std::string what;  // "disk file", "kernel", ...
    std::filesystem::path path;
    SourceLocation where;
  };
  std::vector<FileReference> files;
};

// Throws ConfigError at the first file of `profile.files` that does not exist or is a folder
// (the prepared image is left out: it is fetched when the machine starts). `hurdle validate`
// and `hurdle run` call it before anything starts, so that a missing kernel is bad input
// (exit 2), not a machine that did not boot.
void check_machine_files(const MachineProfile& profile);

// Loads and validates a profile. Relative paths are taken from the profile's folder.
// Every error is a ConfigError naming file, line and column.
// An `image:` section is resolved through `image.resolve` into `${image}` unless the caller
// gives `image` among the variables (a path: no lock involved).
MachineProfile load_machine_profile(const std::filesystem::path& file,
                                    const Variables& variables = {},
                                    const ProfileImageOptions& image = {});

// Where profiles are looked for by name: `first`, then HURDLE_PROFILE_PATH (':'-separated),
// then `more`, then ./fixtures/machines, then the profiles installed with hurdle.
std::vector<std::filesystem::path> profile_search_path(
    const std::vector<std::filesystem::path>& first,
    const std::vector<std::filesystem::path>& more = {});

// Finds a profile by name (fixtures/machines/NAME.yaml) in `search_path`, or takes a path.
std::filesystem::path find_machine_profile(const std::string& name_or_path,
                                           const std::vector<std::filesystem::path>& search_path);
// Why profile `name` is not found: every folder looked in (those HURDLE_PROFILE_PATH gave, and
// those that do not exist, marked), the profiles those folders hold, and how to name another.
[[nodiscard]] std::string profile_not_found(const std::string& name,
                                            const std::vector<std::filesystem::path>& search_path);

}  // namespace hurdle
