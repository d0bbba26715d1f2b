// The commands of a VM supervisor's control protocol (vm/control_channel): what `hurdle vm`,
// its terminal side and the MCP server send, and what VmSupervisor::dispatch answers. Each name
// is spelled here once. The snapshot commands use the words of the YAML steps (docs/api.md);
// the supervisor still answers their older names, snapshot_create and snapshot_load.
#pragma once

#include <array>

namespace hurdle::control {

inline constexpr const char* kStatus = "status";
inline constexpr const char* kInfo = "info";
inline constexpr const char* kHealth = "health";
inline constexpr const char* kStats = "stats";
inline constexpr const char* kSnapshotSave = "snapshot_save";
inline constexpr const char* kSnapshotRestore = "snapshot_restore";
inline constexpr const char* kSnapshotDelete = "snapshot_delete";
inline constexpr const char* kSnapshotList = "snapshot_list";
inline constexpr const char* kPause = "pause";
inline constexpr const char* kResume = "resume";
inline constexpr const char* kReset = "reset";
inline constexpr const char* kPowerdown = "powerdown";
inline constexpr const char* kQuit = "quit";
inline constexpr const char* kMonitor = "monitor";
inline constexpr const char* kSend = "send";
inline constexpr const char* kExpect = "expect";
inline constexpr const char* kSshRun = "ssh_run";
inline constexpr const char* kScreenshot = "screenshot";
inline constexpr const char* kConsole = "console";  // turns the connection into the console

inline constexpr std::array kAll = {
    kStatus,          kInfo,           kHealth,       kStats,   kSnapshotSave,
    kSnapshotRestore, kSnapshotDelete, kSnapshotList, kPause,   kResume,
    kReset,           kPowerdown,      kQuit,         kMonitor, kSend,
    kExpect,          kSshRun,         kScreenshot,   kConsole};

}  // namespace hurdle::control
