// A test suite as read from YAML (scenarios/*.yaml): the machine it runs on, how that machine
// is booted and provisioned once, defaults, and scenarios made of steps. Plain data; the
// loader (suite_loader) validates it all before any VM starts, the runner executes it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/variables.hpp"
#include "core/error.hpp"

namespace hurdle {

enum class StepKind {
  kConsoleSend,      // console.send: TEXT              (a line; `raw: true` sends it as is)
  kConsoleExpect,    // console.expect: PATTERN | {patterns: [..], timeout}
  kConsoleLogin,     // console.login: {user, password} (the profile's by default)
  kConsoleRun,       // console.run: COMMAND | {command, exit, stdout, stdout_matches, timeout}
  kSshRun,           // ssh.run: COMMAND | {command, exit, stdout, stdout_matches, ...}
  kSshPut,           // ssh.put: {local, remote, exclude} (a file, or a folder's contents)
  kSshGet,           // ssh.get: {remote, local, max_size} (a file, or a folder's contents)
  kWaitUntil,        // wait_until: COMMAND | {command, interval, timeout}
  kReboot,           // reboot: {} | {hard: true}
  kPowerOff,         // power_off: {} | COMMAND | {command, timeout} (the guest powers off)
  kPowerOn,          // power_on: {} | {timeout}  (QEMU again on the same disks; boot markers)
  kSnapshotSave,     // snapshot.save: TAG
  kSnapshotRestore,  // snapshot.restore: TAG
  kQmp,              // qmp: {command, arguments, expect}
  kExpectPanic,      // expect_panic: {} | {timeout}
  kScreenshot,       // screenshot: NAME
  kResultsImport,    // results.import: {format, remote, allow_empty, max_size, timeout}
  kHostServe,        // host.serve: NAME | {name, reply, protocol}  (a service the guest reaches)
  kHostExpect,       // host.expect: {service, matches, timeout}     (what it received)
};

struct Step {
  StepKind kind = StepKind::kSshRun;
  std::string keyword;  // as written, e.g. "ssh.run"
  SourceLocation where;
  // The command, text, tag, QMP command, screenshot name, or host service's name.
  std::string text;
  bool raw = false;  // console.send without a line ending
  std::vector<std::string> patterns;
  int exit_status = 0;  // ssh.run: the status it must return
  std::optional<std::string> stdout_equals, stdout_matches, stderr_equals, stderr_matches;
  std::optional<std::string> user, password;
  std::string local, remote;
  std::vector<std::string> exclude;  // ssh.put of a folder: glob patterns left out
  std::optional<std::chrono::milliseconds> timeout;
  // wait_until: the pause between tries; unset, it grows from 0.2 s to 2 s.
  std::optional<std::chrono::milliseconds> interval;
  std::optional<std::uint64_t> max_bytes;  // ssh.get: max_size, the most it may fetch
  bool hard = false;
  nlohmann::json arguments = nlohmann::json::object();  // qmp
  std::optional<nlohmann::json> expect;                 // qmp: a subset the reply must contain
  std::vector<std::string> captures;  // named groups of this step's patterns: new variables
  std::string format;                 // results.import: automake | tap | junit
  bool allow_empty = false;           // results.import: no test, or all skipped, may pass
  std::string reply;                  // host.serve: what the service answers
  std::string protocol;               // host.serve: http | line

  // "ssh.run `uname -s`": for reports and progress lines.
  [[nodiscard]] std::string describe() const;
};

enum class Isolation { kFresh, kChained };

struct Scenario {
  std::string name;
  std::vector<std::string> tags;
  std::string description;
  Isolation isolation = Isolation::kFresh;
  // A chained scenario's: the index of the scenario it continues (`after: NAME`, else the
  // one before it in the file), always an earlier one.
  std::optional<std::size_t> after;
  int retries = 0;
  std::vector<Step> steps;
  SourceLocation where;
};

struct Suite {
  std::filesystem::path file;
  std::string name;               // defaults to the file's stem
  std::filesystem::path machine;  // the profile file (found at load time)
  Variables variables;            // the suite's `variables:`, env already expanded
  // Values never to be written (variables with `secret: true`, every ${secret:NAME}): masked
  // in reports, logs, the terminal and error messages.
  std::vector<std::string> secrets;
  Variables machine_variables;  // for the profile's ${...} (e.g. image)
  std::string image;            // `image:`: the lock entry to boot instead of the profile's
  bool wait_for_boot = true;
  bool login = false;
  std::optional<std::string> login_user, login_password;
  std::vector<Step> provision;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // default per step
  int retries = 0;
  // How a scenario gets a pristine machine (engine/reset_strategy): a clone of a template
  // made once after provisioning (and kept in the boot cache across runs), a restore of the
  // `pristine` snapshot, or the machine started afresh (boot, login, provisioning) — slowest,
  // for comparison and for guests that can be neither. Unset: clone where the machine can be
  // cloned, else snapshot, with the reason in machine.log.
  enum class Reset { kClone, kSnapshot, kReboot };
  std::optional<Reset> reset;
  std::vector<Scenario> scenarios;
};

}  // namespace hurdle
