#include "machine/migration.hpp"

#include <thread>

#include "core/shell_quote.hpp"

namespace hurdle {

namespace fs = std::filesystem;

std::string Migration::save(const MigrationFile& to, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string target = shell_quote(fs::absolute(to.file).string());
  const std::string status =
      migrate("migrate", (to.gzip ? "exec:gzip -1 -c > " : "exec:cat > ") + target, to.without_ram,
              timeout);
  // QEMU says `completed` before the machine has left the finish-migrate state, and a `cont`
  // in between is refused ("Migration is not finalized yet"; seen with a 256 MiB GNU Mach
  // guest): the caller gets the machine once it has. No QMP event marks that change of run
  // state, so query-status is asked until it shows, within the save's deadline.
  while (status == "completed" && std::chrono::steady_clock::now() < deadline &&
         qmp_.execute("query-status").value("status", "") == "finish-migrate")
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return status;
}

std::string Migration::load(const MigrationFile& from, std::chrono::milliseconds timeout) {
  const std::string source = shell_quote(fs::absolute(from.file).string());
  return migrate("migrate-incoming", (from.gzip ? "exec:gzip -dc " : "exec:cat ") + source,
                 from.without_ram, timeout);
}

std::string Migration::migrate(const std::string& command, const std::string& uri, bool without_ram,
                               std::chrono::milliseconds timeout) {
  // Both ends must agree on x-ignore-shared, and a clone (which loaded its state with it on)
  // saving itself for a resume sends its RAM like any machine: set it every time.
  qmp_.execute(
      "migrate-set-capabilities",
      {{"capabilities",
        nlohmann::json::array({{{"capability", "events"}, {"state", true}},
                               {{"capability", "x-ignore-shared"}, {"state", without_ram}}})}});
  const auto mark = qmp_.event_mark();
  qmp_.execute(command, {{"uri", uri}});
  const auto done = qmp_.wait_for_event(
      "MIGRATION",
      [](const QmpClient::Json& e) {
        const std::string status = e.value("data", QmpClient::Json::object()).value("status", "");
        return status == "completed" || status == "failed" || status == "cancelled";
      },
      timeout, mark);
  return done["data"].value("status", "");
}

}  // namespace hurdle
