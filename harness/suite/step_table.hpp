// Every kind of step a suite may use: the one list to extend when adding a step (its family's
// file in steps/ holds the rest). The loader finds a step's reader by keyword here; the
// executor, reports and the boot cache reach the payload's own functions through std::visit.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "suite/steps/command_steps.hpp"
#include "suite/steps/console_expect_absent.hpp"
#include "suite/steps/console_steps.hpp"
#include "suite/steps/host_steps.hpp"
#include "suite/steps/monitor_steps.hpp"
#include "suite/steps/power_steps.hpp"
#include "suite/steps/result_steps.hpp"
#include "suite/steps/snapshot_steps.hpp"
#include "suite/steps/transfer_steps.hpp"

namespace hurdle {

using StepPayload = std::variant<                           //
    SshCommand, ConsoleRun, WaitUntilSucceeds,              // commands
    ConsoleSend, ConsoleExpect, ConsoleLogin, ExpectPanic,  // the console
    ConsoleExpectAbsent,                                    //
    SshPut, SshGet,                                         // files
    HostServe, HostExpect,                                  // host services
    SnapshotStep,                                           // snapshots
    ResultsImport,                                          // imported results
    Reboot, PowerOff, PowerOn,                              // power
    QmpStep, Screenshot>;                                   // the monitor

// Every keyword a suite may write (names and aliases), sorted.
[[nodiscard]] const std::vector<std::string>& step_keywords();
// The step's name for `keyword` (the first keyword of its payload), or nullopt when unknown.
[[nodiscard]] std::optional<std::string> step_name(const std::string& keyword);
// Reads the payload of a step written with `keyword` (which must be known).
[[nodiscard]] StepPayload read_step_payload(const std::string& keyword, StepReader& reader);

}  // namespace hurdle
