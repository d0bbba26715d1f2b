#include "machine/snapshot_store.hpp"

#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/name_rules.hpp"

namespace hurdle {

std::vector<std::string> snapshot_disks(const MachineProfile& profile) {
  std::vector<std::string> writable;
  for (const auto& d : profile.disks) {
    const bool qcow2 = d.mode == DiskSpec::Mode::kOverlay || d.format == "qcow2";
    if (d.mode != DiskSpec::Mode::kReadOnly && qcow2) writable.push_back(d.node_name);
  }
  return writable;
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kJobTimeout = std::chrono::minutes(10);

// QEMU was asked nothing: a bad tag is the caller's error, not a QmpError.
void check_tag(const std::string& tag) {
  if (!valid_name(tag, NameDots::kAllowed)) {
    throw ConfigError({}, "snapshot tag '" + tag + "': expected 1 to " +
                              std::to_string(kMaxNameLength) + " letters, digits, '_', '.' or '-'");
  }
}

}  // namespace

SnapshotStore::SnapshotStore(QmpClient& qmp, std::vector<std::string> devices, std::string vmstate,
                             std::function<void(const std::string&)> note)
    : qmp_(qmp),
      devices_(std::move(devices)),
      vmstate_(std::move(vmstate)),
      note_(std::move(note)) {}

void SnapshotStore::run_job(const std::string& command, const std::string& tag,
                            nlohmann::json arguments, const std::string& hmp_fallback) {
  if (!usable()) {
    throw ConfigError({}, command + " '" + tag +
                              "': the machine has no writable qcow2 disk to keep snapshots in");
  }
  check_tag(tag);
  const std::string id = "hurdle-" + command + "-" + std::to_string(next_job_++);
  arguments["job-id"] = id;
  arguments["tag"] = tag;
  arguments["devices"] = devices_;
  const auto mark = qmp_.event_mark();
  try {
    qmp_.execute(command, arguments);
  } catch (const QmpError& e) {
    if (e.error_class() != "CommandNotFound") throw;
    note_(command + " is not in this QEMU; using HMP " + hmp_fallback);
    qmp_.human_silent(hmp_fallback + " " + tag, kJobTimeout);
    return;
  }
  qmp_.wait_for_event(
      "JOB_STATUS_CHANGE",
      [&](const nlohmann::json& event) {
        const auto& data = event.at("data");
        return data.value("id", "") == id && data.value("status", "") == "concluded";
      },
      kJobTimeout, mark);
  std::string error;
  for (const auto& job : qmp_.execute("query-jobs")) {
    if (job.value("id", "") == id && job.contains("error"))
      error = job.at("error").get<std::string>();
  }
  qmp_.execute("job-dismiss", {{"id", id}});
  if (!error.empty()) throw QmpError(command, "JobFailed", "snapshot '" + tag + "': " + error);
}

std::chrono::milliseconds SnapshotStore::save(const std::string& tag) {
  const auto start = Clock::now();
  run_job("snapshot-save", tag, {{"vmstate", vmstate_}}, "savevm");
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  note_("snapshot saved: " + tag + " (" + seconds_text(took) + ")");
  return took;
}

std::chrono::milliseconds SnapshotStore::restore(const std::string& tag) {
  const auto start = Clock::now();
  run_job("snapshot-load", tag, {{"vmstate", vmstate_}}, "loadvm");
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  note_("snapshot loaded: " + tag + " (" + seconds_text(took) + ")");
  return took;
}

void SnapshotStore::remove(const std::string& tag) {
  run_job("snapshot-delete", tag, nlohmann::json::object(), "delvm");
  note_("snapshot deleted: " + tag);
}

std::vector<std::string> SnapshotStore::list() {
  std::vector<std::string> tags;
  if (!usable()) return tags;
  for (const auto& node : qmp_.execute("query-named-block-nodes", {{"flat", true}})) {
    if (node.value("node-name", "") != vmstate_) continue;
    const auto image = node.value("image", nlohmann::json::object());
    for (const auto& snapshot : image.value("snapshots", nlohmann::json::array()))
      tags.push_back(snapshot.value("name", ""));
  }
  return tags;
}

}  // namespace hurdle
