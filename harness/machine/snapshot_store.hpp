// Internal snapshots of a running machine through QMP: snapshot-save/-load/-delete jobs on the
// machine's writable qcow2 disks (by block node name), each awaited to its conclusion and
// checked in query-jobs; HMP savevm/loadvm/delvm when QEMU lacks the jobs. The snapshots live
// in the per-run overlays, so the base images are never written. Machine adds what a restore
// must also bring back (console, SSH, host-key pin) on top.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "qemu/machine_profile.hpp"
#include "qmp/qmp_client.hpp"

namespace hurdle {

// The disks of `profile` that keep snapshots: every writable qcow2 (an overlay, or a disk in
// direct mode in qcow2). None: the machine cannot be snapshotted (a live ISO).
[[nodiscard]] std::vector<std::string> snapshot_disks(const MachineProfile& profile);

class SnapshotStore {
 public:
  // `devices`: node names of every writable disk; `vmstate`: the one that keeps RAM and
  // device state. `note` receives one line per operation (machine.log).
  SnapshotStore(QmpClient& qmp, std::vector<std::string> devices, std::string vmstate,
                std::function<void(const std::string&)> note);

  // Each returns how long QEMU took. Throws QmpError naming the tag and QEMU's reason.
  std::chrono::milliseconds save(const std::string& tag);
  std::chrono::milliseconds restore(const std::string& tag);
  void remove(const std::string& tag);
  // The snapshots QEMU sees on the vmstate disk, oldest first.
  [[nodiscard]] std::vector<std::string> list();

  [[nodiscard]] bool usable() const { return !vmstate_.empty(); }

 private:
  void run_job(const std::string& command, const std::string& tag, nlohmann::json arguments,
               const std::string& hmp_fallback);

  QmpClient& qmp_;
  std::vector<std::string> devices_;
  std::string vmstate_;
  std::function<void(const std::string&)> note_;
  std::uint64_t next_job_ = 1;
};

}  // namespace hurdle
