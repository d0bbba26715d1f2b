// One scenario's attempts over a fake lane that writes what was done to it in a journal: a
// pass, a pass on a retry (flaky), retries used up, a restore that fails, an interrupt, a disk
// out of room on the host, a rollback that breaks the run. What the runner does on a real lane
// is the same template (SuiteRunner::OnLane).
#include "engine/scenario_attempts.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

namespace hurdle {
namespace {

using ::testing::ElementsAre;

// Each attempt's outcome, in order: passed, failed, or the restore before it failed.
enum class AttemptOutcome { kPass, kFail, kRestoreFails, kQemuCrashes };

struct FakeLane {
  std::deque<AttemptOutcome> outcomes;
  std::vector<std::string> journal;
  std::optional<std::string> interrupted_after_attempt;  // set once an attempt ran
  std::optional<std::string> full;
  bool rollback_breaks = false;
  std::optional<std::string> broke;

  ScenarioResult attempt() {
    const AttemptOutcome o = outcomes.front();
    outcomes.pop_front();
    journal.push_back("attempt");
    if (o == AttemptOutcome::kRestoreFails) throw QemuError("the snapshot did not load");
    ScenarioResult r;
    r.status = o == AttemptOutcome::kPass ? Verdict::kPassed : Verdict::kFailed;
    r.message = o == AttemptOutcome::kPass ? "" : "step 2 failed";
    if (o == AttemptOutcome::kQemuCrashes) {
      r.status = Verdict::kError;
      r.error_kind = "QemuCrashed";
      r.message = "QEMU was killed by signal 9";
    }
    return r;
  }
  std::optional<std::string> interruption() { return interrupted_after_attempt; }
  void keep_last_state(ScenarioResult&) { journal.push_back("keep-last"); }
  std::optional<std::string> out_of_space() { return full; }
  void collect_artifacts(ScenarioResult& r) {
    journal.push_back("artifacts");
    r.attachments.emplace_back("console-tail.txt");
  }
  void keep_failed_state(ScenarioResult&) { journal.push_back("keep-failed"); }
  void roll_back() {
    journal.push_back("roll-back");
    if (rollback_breaks) broke = "the machine could not be rebuilt";
  }
  bool broken() { return broke.has_value(); }
  void break_with(const std::string& why) {
    journal.push_back("break: " + why);
    if (!broke) broke = why;
  }
};
static_assert(AttemptLane<FakeLane>);

ScenarioResult run(FakeLane& lane, int retries) {
  return run_attempts(lane, retries, ScenarioResult{}, "pristine");
}

TEST(ScenarioAttempts, AnAttemptQemusCrashEndedIsMadeAgainWithoutCountingAsARetry) {
  FakeLane lane{{AttemptOutcome::kQemuCrashes, AttemptOutcome::kFail, AttemptOutcome::kPass}};
  const ScenarioResult r = run_attempts(lane, 1, ScenarioResult{}, "pristine", 2);
  EXPECT_EQ(r.status, Verdict::kFlaky);  // its own failure, then its pass
  EXPECT_EQ(r.attempts, 2);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_THAT(r.notes[0], ::testing::HasSubstr("attempt 1 ended with QEMU's crash"));
  EXPECT_THAT(lane.journal, ElementsAre("attempt", "artifacts", "roll-back", "attempt", "artifacts",
                                        "roll-back", "attempt", "keep-last"));
}

TEST(ScenarioAttempts, CrashesBeyondTheInfraRetriesAreTheInfrastructuresError) {
  FakeLane lane{{AttemptOutcome::kQemuCrashes, AttemptOutcome::kQemuCrashes}};
  const ScenarioResult r = run_attempts(lane, 0, ScenarioResult{}, "pristine", 1);
  EXPECT_EQ(r.status, Verdict::kError);
  EXPECT_EQ(r.error_kind, "InfrastructureError");
  EXPECT_EQ(r.message, "QemuCrashed: QEMU was killed by signal 9");
  EXPECT_EQ(r.notes.size(), 1u);
  // Without infra retries, a crash is the infrastructure's error at once; a test's own
  // failure is never made again by them.
  FakeLane once{{AttemptOutcome::kQemuCrashes}};
  EXPECT_EQ(run_attempts(once, 0, ScenarioResult{}, "pristine", 0).error_kind,
            "InfrastructureError");
  FakeLane failing{{AttemptOutcome::kFail}};
  const ScenarioResult own = run_attempts(failing, 0, ScenarioResult{}, "pristine", 2);
  EXPECT_EQ(own.status, Verdict::kFailed);
  EXPECT_THAT(failing.journal,
              ElementsAre("attempt", "keep-last", "artifacts", "keep-failed", "roll-back"));
}

TEST(ScenarioAttempts, APassIsOneAttemptAndTheMachineIsKeptAsItEnded) {
  FakeLane lane{{AttemptOutcome::kPass}};
  const ScenarioResult r = run(lane, 2);
  EXPECT_EQ(r.status, Verdict::kPassed);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_THAT(lane.journal, ElementsAre("attempt", "keep-last"));
}

TEST(ScenarioAttempts, APassOnARetryIsFlakyAfterARollBack) {
  FakeLane lane{{AttemptOutcome::kFail, AttemptOutcome::kPass}};
  const ScenarioResult r = run(lane, 2);
  EXPECT_EQ(r.status, Verdict::kFlaky);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_THAT(lane.journal,
              ElementsAre("attempt", "artifacts", "roll-back", "attempt", "keep-last"));
}

TEST(ScenarioAttempts, RetriesUsedUpFailWithTheLastAttemptsStateKept) {
  FakeLane lane{{AttemptOutcome::kFail, AttemptOutcome::kFail, AttemptOutcome::kFail}};
  const ScenarioResult r = run(lane, 2);
  EXPECT_EQ(r.status, Verdict::kFailed);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.message, "step 2 failed");
  // The failed state is kept once, after the last attempt, before its rollback.
  EXPECT_THAT(lane.journal,
              ElementsAre("attempt", "artifacts", "roll-back", "attempt", "artifacts", "roll-back",
                          "attempt", "keep-last", "artifacts", "keep-failed", "roll-back"));
}

TEST(ScenarioAttempts, ARestoreThatFailsIsAnErrorOfItsKindAndIsRetried) {
  FakeLane lane{{AttemptOutcome::kRestoreFails, AttemptOutcome::kPass}};
  const ScenarioResult r = run(lane, 1);
  EXPECT_EQ(r.status, Verdict::kFlaky);
  FakeLane never{{AttemptOutcome::kRestoreFails}};
  const ScenarioResult e = run(never, 0);
  EXPECT_EQ(e.status, Verdict::kError);
  EXPECT_EQ(e.error_kind, "QemuError");
  EXPECT_EQ(e.message,
            "restoring 'pristine' before the scenario failed: the snapshot did not load");
}

TEST(ScenarioAttempts, AnInterruptEndsTheScenarioAndTheRunWithoutARollBack) {
  FakeLane lane{{AttemptOutcome::kFail, AttemptOutcome::kPass}};
  lane.interrupted_after_attempt = "interrupted by SIGINT";
  const ScenarioResult r = run(lane, 3);
  EXPECT_EQ(r.status, Verdict::kError);
  EXPECT_EQ(r.error_kind, "Interrupted");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_THAT(lane.journal, ElementsAre("attempt", "break: interrupted by SIGINT"));
}

TEST(ScenarioAttempts, ADiskOutOfRoomIsTheRunsErrorAndNoRetryIsTried) {
  FakeLane lane{{AttemptOutcome::kFail, AttemptOutcome::kPass}};
  lane.full = "disk scratch: no room left in /work (0 bytes free)";
  const ScenarioResult r = run(lane, 3);
  EXPECT_EQ(r.status, Verdict::kError);
  EXPECT_EQ(r.error_kind, "InfrastructureError");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_THAT(lane.journal,
              ElementsAre("attempt", "break: disk scratch: no room left in /work (0 bytes free)"));
}

TEST(ScenarioAttempts, ARollBackThatBreaksTheRunStopsTheRetries) {
  FakeLane lane{{AttemptOutcome::kFail, AttemptOutcome::kPass}};
  lane.rollback_breaks = true;
  const ScenarioResult r = run(lane, 3);
  EXPECT_EQ(r.status, Verdict::kFailed);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_THAT(lane.journal, ElementsAre("attempt", "artifacts", "roll-back"));
}

}  // namespace
}  // namespace hurdle
