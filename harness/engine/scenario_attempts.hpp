// One scenario's attempts, as a policy over what the runner does on a lane: each attempt from
// the same state, a pass on a retry made flaky, the machine kept as the last attempt left it,
// artifacts and a rollback after each failure, and the ends that stop the retries (an
// interrupt, a disk out of room on the host, a rollback that broke the run). The runner gives
// its lane (SuiteRunner::OnLane); the unit tests give a fake one that writes what was done in
// a journal, so that every path is checked in milliseconds.
#pragma once

#include <concepts>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/scenario_result.hpp"

namespace hurdle {

// hurdle's errors name their kind; anything else is hurdle's own failure.
[[nodiscard]] inline std::string error_kind_of(const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e)) return error->kind();
  return "InternalError";
}

template <class L>
concept AttemptLane = requires(L& lane, ScenarioResult& result, const std::string& why) {
  // One attempt from the scenario's start: restore, then the steps. Throws when the restore
  // before the steps failed.
  { lane.attempt() } -> std::same_as<ScenarioResult>;
  // Why the run was interrupted, once it was.
  { lane.interruption() } -> std::same_as<std::optional<std::string>>;
  // The machine saved as this attempt left it (hurdle exec --leave-running), when asked.
  lane.keep_last_state(result);
  // Set when a disk's file ran out of room on the host.
  { lane.out_of_space() } -> std::same_as<std::optional<std::string>>;
  lane.collect_artifacts(result);
  lane.keep_failed_state(result);  // --keep-failed-state, after the last attempt
  lane.roll_back();                // to the scenario's start; may break the run
  { lane.broken() } -> std::same_as<bool>;
  lane.break_with(why);  // the run cannot go on: every later scenario is an error naming why
};

// An attempt the machinery failed, not the scenario: QEMU crashed under it (QemuCrashed).
[[nodiscard]] inline bool machinery_failed(const ScenarioResult& r) {
  return r.status == Verdict::kError && r.error_kind == "QemuCrashed";
}

// The result of the last attempt of at most `retries` + 1; `base` is the result before any
// (where it is written), `from` the state each attempt starts from (for messages). An attempt
// the machinery failed is made again from the same state, at most `infra_retries` times,
// without counting as one of the scenario's own attempts (each is a note of the result); when
// that is what the last attempt ended with, the result is an InfrastructureError.
template <AttemptLane L>
ScenarioResult run_attempts(L& lane, int retries, ScenarioResult base, const std::string& from,
                            int infra_retries = 0) {
  ScenarioResult result = std::move(base);
  std::vector<std::string> machinery;  // each attempt the machinery failed
  for (int attempt_no = 1; attempt_no <= retries + 1; ++attempt_no) {
    const bool last = attempt_no == retries + 1;
    try {
      result = lane.attempt();
    } catch (const std::exception& e) {
      result.status = Verdict::kError;
      result.error_kind = error_kind_of(e);
      result.message = "restoring '" + from + "' before the scenario failed: " + e.what();
    }
    result.attempts = attempt_no;
    if (const auto why = lane.interruption()) {
      result.status = Verdict::kError;
      result.error_kind = "Interrupted";
      result.message = *why + " during this scenario; " + result.message;
      lane.break_with(*why);
      break;
    }
    if (machinery_failed(result) && static_cast<int>(machinery.size()) < infra_retries) {
      machinery.push_back("infrastructure: attempt " + std::to_string(attempt_no) +
                          " ended with QEMU's crash (" + result.message +
                          "); the scenario runs again from '" + from + "'");
      lane.collect_artifacts(result);
      lane.roll_back();
      if (lane.broken()) break;
      --attempt_no;  // not the scenario's attempt
      continue;
    }
    if (result.status == Verdict::kPassed || last) lane.keep_last_state(result);
    if (result.status == Verdict::kPassed) {
      if (attempt_no > 1) result.status = Verdict::kFlaky;
      break;
    }
    if (const auto full = lane.out_of_space()) {
      // Not the scenario's fault, and no retry or later scenario would fare better.
      result.status = Verdict::kError;
      result.error_kind = "InfrastructureError";
      lane.break_with(*full);
      break;
    }
    lane.collect_artifacts(result);
    if (last) lane.keep_failed_state(result);
    lane.roll_back();
    if (lane.broken()) break;
  }
  if (machinery_failed(result)) {
    result.message = "QemuCrashed: " + result.message;
    result.error_kind = "InfrastructureError";
  }
  result.notes.insert(result.notes.end(), machinery.begin(), machinery.end());
  return result;
}

}  // namespace hurdle
