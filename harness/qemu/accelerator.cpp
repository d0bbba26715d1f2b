#include "qemu/accelerator.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/boost_process.hpp"
#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "core/unix_socket.hpp"
#include "qemu/qemu_process.hpp"

namespace hurdle {

namespace {

// A 64 KiB BIOS image. At the reset vector (F000:FFF0) a far jump to F000:0000, where:
// print 'S' on COM1, write port 0x80 100,000 times (10 x 10,000), print the marker, halt.
std::string probe_bios() {
  constexpr std::array<unsigned char, 38> code = {
      0x8C, 0xC8,        // 0  mov ax, cs
      0x8E, 0xD8,        // 2  mov ds, ax
      0xBA, 0xF8, 0x03,  // 4  mov dx, 0x3f8
      0xB0, 'S',         // 7  mov al, 'S'
      0xEE,              // 9  out dx, al
      0xBB, 0x0A, 0x00,  // 10 mov bx, 10
      0xB9, 0x10, 0x27,  // 13 outer: mov cx, 10000
      0xE6, 0x80,        // 16 inner: out 0x80, al
      0xE2, 0xFC,        // 18 loop inner
      0x4B,              // 20 dec bx
      0x75, 0xF6,        // 21 jnz outer
      0xBE, 0x26, 0x00,  // 23 mov si, message (38)
      0xAC,              // 26 print: lodsb
      0x84, 0xC0,        // 27 test al, al
      0x74, 0x03,        // 29 jz done
      0xEE,              // 31 out dx, al
      0xEB, 0xF8,        // 32 jmp print
      0xFA,              // 34 done: cli
      0xF4,              // 35 hlt
      0xEB, 0xFC,        // 36 jmp done
  };
  static constexpr char kMessage[] = "hurdle-accel-probe: ok\n";
  std::string image(65536, '\xF4');
  std::memcpy(image.data(), code.data(), code.size());
  std::memcpy(image.data() + code.size(), kMessage, sizeof(kMessage));  // with its NUL
  const unsigned char reset[] = {0xEA, 0x00, 0x00, 0x00, 0xF0};         // jmp far F000:0000
  std::memcpy(image.data() + 0xFFF0, reset, sizeof(reset));
  return image;
}

// Reads from `fd` until `marker` has arrived or the deadline passes.
bool read_until(int fd, int stop_fd, std::string& seen, const std::string& marker,
                std::chrono::steady_clock::time_point deadline) {
  char buf[256];
  while (seen.find(marker) == std::string::npos) {
    if (wait_readable(fd, stop_fd, deadline) <= 0) return false;
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    seen.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

// The probe's answer; `verdict` is true when it measured KVM's speed (worth caching), false
// when it could not (no /dev/kvm, QEMU failed), which may change before the next start.
struct ProbeResult {
  AcceleratorChoice choice;
  bool verdict = false;
};

ProbeResult probe_kvm(const std::string& qemu_binary, const KvmProbeLimits& limits) {
  const int kvm = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0)
    return {{Accelerator::kTcg,
             std::string("/dev/kvm cannot be opened (") + std::strerror(errno) + "); using TCG"}};
  ::close(kvm);

  PrivateFolder dir("accel-probe");
  { std::ofstream(dir / "probe.bin", std::ios::binary) << probe_bios(); }
  UnixListener listener(dir / "serial.sock");
  QemuProcess qemu(
      {qemu_binary, "-accel", "kvm", "-bios", (dir / "probe.bin").string(), "-m", "16", "-display",
       "none", "-nodefaults", "-no-user-config", "-monitor", "none", "-chardev",
       "socket,id=s0,path=" + listener.path().string(), "-serial", "chardev:s0"},
      dir / "qemu.log");
  bool timed_out = false;
  auto conn = listener.accept(limits.start_limit, qemu.exit_fd(), timed_out);
  std::string seen;
  const auto start_deadline = std::chrono::steady_clock::now() + limits.start_limit;
  if (!conn || !read_until(conn->get(), qemu.exit_fd(), seen, "S", start_deadline)) {
    std::string why = qemu.running()
                          ? "did not start the probe within " + seconds_text(limits.start_limit)
                          : qemu.exit_description() + ": " + qemu.log_tail(300);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return {{Accelerator::kTcg, "QEMU with KVM " + why + "; using TCG"}};
  }
  const auto t0 = std::chrono::steady_clock::now();
  const bool done = read_until(conn->get(), qemu.exit_fd(), seen, "ok\n", t0 + limits.loop_limit);
  const auto took = std::chrono::steady_clock::now() - t0;
  if (!done) {
    return {{Accelerator::kTcg, "KVM needed more than " + seconds_text(limits.loop_limit) +
                                    " for 100000 VM exits (nested or slow KVM); using TCG"},
            true};
  }
  return {{Accelerator::kKvm, "KVM ran 100000 VM exits in " + seconds_text(took) + " (limit " +
                                  seconds_text(limits.loop_limit) + "); using KVM"},
          true};
}

// The probe's verdicts of this boot, in CACHE_DIR/accel-probe.json:
//   {"boot_id": "...", "verdicts": {"<qemu> <mtime> <limit ms>": {"accel": "kvm", "reason": ...}}}
class ProbeCache {
 public:
  ProbeCache(std::filesystem::path dir, const std::string& qemu_binary,
             const KvmProbeLimits& limits)
      : file_(dir.empty() ? dir : dir / "accel-probe.json") {
    if (file_.empty()) return;
    boot_id_ = read_boot_id();
    std::error_code ec;
    const auto exe = std::filesystem::canonical(
        boost::process::v2::environment::find_executable(qemu_binary), ec);
    if (boot_id_.empty() || ec) {
      file_.clear();  // no safe key: do not cache
      return;
    }
    const auto mtime = std::filesystem::last_write_time(exe, ec).time_since_epoch().count();
    key_ = exe.string() + " " + std::to_string(mtime) + " " +
           std::to_string(limits.loop_limit.count()) + "ms";
  }

  std::optional<AcceleratorChoice> find() const {
    if (file_.empty()) return std::nullopt;
    const auto json = load();
    if (json.value("boot_id", "") != boot_id_) return std::nullopt;
    const auto verdicts = json.value("verdicts", nlohmann::json::object());
    const auto it = verdicts.find(key_);
    if (it == verdicts.end() || !it->is_object()) return std::nullopt;
    const std::string accel = it->value("accel", "");
    if (accel != "kvm" && accel != "tcg") return std::nullopt;
    return AcceleratorChoice{
        accel == "kvm" ? Accelerator::kKvm : Accelerator::kTcg,
        it->value("reason", "") + " (probed earlier this boot; cached in " + file_.string() + ")",
        true};
  }

  void store(const AcceleratorChoice& choice) const {
    if (file_.empty()) return;
    auto json = load();
    if (json.value("boot_id", "") != boot_id_) json = {{"boot_id", boot_id_}};
    json["verdicts"][key_] = {{"accel", choice.accel == Accelerator::kKvm ? "kvm" : "tcg"},
                              {"reason", choice.reason}};
    try {
      write_file_atomically(file_, json.dump(2) + "\n");
    } catch (const Error&) {
      // A cache that cannot be written only costs the next start a probe.
    }
  }

 private:
  static std::string read_boot_id() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
  }

  nlohmann::json load() const {
    std::ifstream in(file_);
    if (!in) return nlohmann::json::object();
    auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    return json.is_object() ? json : nlohmann::json::object();  // a damaged cache is ignored
  }

  std::filesystem::path file_;
  std::string boot_id_;
  std::string key_;
};

}  // namespace

AcceleratorChoice choose_accelerator(Accelerator requested, const std::string& qemu_binary,
                                     const KvmProbeLimits& limits,
                                     const std::filesystem::path& cache_dir) {
  switch (requested) {
    case Accelerator::kKvm:
      return {Accelerator::kKvm, "KVM requested"};
    case Accelerator::kTcg:
      return {Accelerator::kTcg, "TCG requested"};
    case Accelerator::kAuto:
      break;
  }
  const ProbeCache cache(cache_dir, qemu_binary, limits);
  if (const int kvm = ::open("/dev/kvm", O_RDWR | O_CLOEXEC); kvm >= 0) {
    ::close(kvm);
    if (auto cached = cache.find()) return *cached;
  }
  auto result = probe_kvm(qemu_binary, limits);
  if (result.verdict) cache.store(result.choice);  // only a verdict on KVM's speed is kept
  return result.choice;
}

Accelerator parse_accelerator(const std::string& text, const std::string& where) {
  if (auto accel = accelerator_named(text)) return *accel;
  throw ConfigError({where, 0, 0},
                    "expected an accelerator auto, kvm or tcg, found '" + text + "'");
}

std::optional<Accelerator> accelerator_from_environment() {
  const char* value = std::getenv("HURDLE_ACCEL");
  if (value == nullptr || *value == '\0') return std::nullopt;
  return parse_accelerator(value, "HURDLE_ACCEL");
}

AcceleratorChoice choose_machine_accelerator(const MachineProfile& profile,
                                             std::optional<Accelerator> asked,
                                             const std::filesystem::path& cache_dir) {
  Accelerator requested = profile.accel;
  if (asked)
    requested = *asked;
  else if (auto env = accelerator_from_environment())
    requested = *env;
  return choose_accelerator(requested, profile.qemu, {}, cache_dir);
}

}  // namespace hurdle
