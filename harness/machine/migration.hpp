// QEMU's migration over QMP, as hurdle uses it beside SnapshotStore: the whole machine's state
// into a file while the guest is paused (a saved machine, a template) and back from one into a
// QEMU started with `-incoming defer` (a resume, a clone). Migration events are turned on, so
// that the end is an event rather than a poll.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "qmp/qmp_client.hpp"

namespace hurdle {

struct MigrationFile {
  std::filesystem::path file;
  bool gzip = false;  // through gzip -1 (a saved machine's state travels as an artifact)
  // QEMU's x-ignore-shared: the RAM is in a shared file, not in the stream (a template's).
  bool without_ram = false;
};

class Migration {
 public:
  explicit Migration(QmpClient& qmp) : qmp_(qmp) {}

  // Sends the state to `to`; returns how the migration ended: "completed", "failed" or
  // "cancelled". Throws TimeoutError after `timeout`.
  std::string save(const MigrationFile& to, std::chrono::milliseconds timeout);
  // Loads the state from `from` into QEMU waiting for it; returns how it ended, as save().
  std::string load(const MigrationFile& from, std::chrono::milliseconds timeout);

 private:
  std::string migrate(const std::string& command, const std::string& uri, bool without_ram,
                      std::chrono::milliseconds timeout);

  QmpClient& qmp_;
};

}  // namespace hurdle
