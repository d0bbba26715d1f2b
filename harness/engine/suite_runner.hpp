// Runs the scenarios of one suite: on first use it chooses how scenarios get their machine (a
// ResetStrategy: clone, snapshot or reboot, see reset_strategy.hpp) and has it prepare the
// pristine state (boot markers, login, provisioning: booted here), then for each scenario
// starts the machine from the state it starts from (pristine, or the end state of the scenario
// it continues), runs the steps, retries a failed scenario from the same state, collects
// artifacts on failure and rolls back. An end state is kept only when a planned scenario
// continues it, and only until the last of those has run; a chained scenario whose
// predecessor is not planned runs that predecessor first (and says so). If a rollback fails
// the pristine state is prepared anew; if that fails too, the remaining scenarios are errors
// naming the cause. It tells a RunObserver what happens (run_observer.hpp). Used by run/'s loop
// and the GoogleTest adapter.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/log_file.hpp"
#include "core/secret_mask.hpp"
#include "core/unique_fd.hpp"
#include "engine/reset_strategy.hpp"
#include "engine/run_observer.hpp"
#include "engine/scenario_plan.hpp"
#include "engine/scenario_result.hpp"
#include "engine/template_source.hpp"
#include "machine/machine.hpp"
#include "suite/step_executor.hpp"
#include "suite/suite.hpp"

namespace hurdle {

struct RunOptions {
  std::filesystem::path report_dir = "reports/run";  // this run's folder
  std::optional<Accelerator> accel;
  double timeout_scale = 1.0;  // multiplies every step time-out (slow hosts, TCG)
  std::vector<std::filesystem::path> profile_path;
  ImageSettings images;  // how a profile's `image:` is found or fetched
  // A scenario that fails for the last time leaves the machine as it was at the failure in
  // its report folder (failed-state/, see SavedMachine), before the rollback: `hurdle resume`
  // starts it there, on this host or another.
  bool keep_failed_state = false;
  // How many more times the suite's machine is booted when it did not boot (the image could
  // not be fetched, QEMU died, no boot marker came): the machinery's failure, not a test's.
  // Each attempt is in machine.log and in the first scenario's notes.
  int infra_retries = 0;
  // Where the machine is saved (SavedMachine) as the suite's last scenario left it, passed or
  // failed, before any rollback: `hurdle exec --leave-running` starts a `hurdle vm` from it.
  // Empty: nowhere.
  std::filesystem::path keep_last_state;
  // Where the boot cache keeps templates across runs (reset: clone): unset means the user
  // cache folder; false `boot_cache` makes each run's template its own.
  std::optional<std::filesystem::path> cache_dir;
  bool boot_cache = true;
  // Where disk overlays go (MachineOptions::work_dir).
  std::optional<std::filesystem::path> work_dir;
  // Scenarios at once, each group (a scenario and those chained after it) in a clone of its
  // own: `hurdle run -j N`. More than 1 needs reset: clone (else: one at a time, logged).
  std::size_t jobs = 1;
  // Where the lines of `live: true` commands go, secrets masked and made safe (safe_text);
  // unset, nowhere. Called from the lanes' threads.
  std::function<void(bool err, const std::string& line)> live_lines;
  // Told when a live step starts (its description, masked and safe) and ends (empty).
  std::function<void(const std::string& title)> live_block;
};

class ScenarioPool;
class LogFile;

class SuiteRunner {
 public:
  SuiteRunner(Suite suite, RunOptions options);
  ~SuiteRunner();
  SuiteRunner(const SuiteRunner&) = delete;
  SuiteRunner& operator=(const SuiteRunner&) = delete;

  // The scenarios this process will run, in the run's order, so that only the end states
  // they continue are kept; unset, every scenario of the suite.
  void plan(const std::vector<std::size_t>& indices);
  // Runs scenario `index` and tells `observer` (from this thread): started, the suite's facts
  // when they are new, finished. Never throws: everything that goes wrong is in the result.
  ScenarioResult run_scenario(std::size_t index, RunObserver& observer);
  ScenarioResult run_scenario(std::size_t index);  // tells nobody
  // The result of a selected scenario that is not run (`why`: the run stopped first).
  [[nodiscard]] ScenarioResult skipped_result(std::size_t index, const std::string& why) const;

  // From any thread (the signal watcher): kills QEMU at once, so the scenario in progress
  // fails promptly, and makes every later scenario an error naming `why`.
  void interrupt(const std::string& why);

  [[nodiscard]] const Suite& suite() const { return suite_; }
  // Set once the machine could not be booted (or rebuilt): the cause, for exit status 3.
  [[nodiscard]] std::optional<std::string> infrastructure_error() const {
    const auto why = broken();
    if (!why) return std::nullopt;
    return secrets_.masked(*why);
  }
  // The machine the last scenario ran on (null before the first, once broken, or with several
  // lanes, whose machines come and go on other threads).
  [[nodiscard]] Machine* machine();
  // What is known of the suite's run: unset before its reset mode is chosen; its machine's
  // facts from the first machine a scenario ran on (on any lane).
  [[nodiscard]] std::optional<SuiteFacts> facts() const;

 private:
  // What scenarios run with: a reset strategy and where its machines log. One lane, unless
  // jobs > 1 in clone mode (then each lane logs in machine/lane-K/).
  struct Lane {
    std::unique_ptr<ResetStrategy> reset;
    std::filesystem::path log_dir;  // its machine.log: each reset, with where its logs went
    std::unique_ptr<LogFile> log;
  };
  struct OnLane;  // a lane as run_attempts() sees it

  [[nodiscard]] MachineOptions machine_options() const;
  // The ResetStrategy::Boot: a machine booted, logged in and provisioned.
  std::unique_ptr<Machine> boot_machine(const std::filesystem::path& template_ram);
  const MachineProfile& profile();
  // Chooses the reset mode (and its fallback) and makes the lanes.
  void make_lanes();
  // `jobs` lanes, each with its log (in `machine_dir`, or lane-K/ in it when there are several).
  [[nodiscard]] std::vector<std::unique_ptr<Lane>> new_lanes(
      std::size_t jobs, const std::filesystem::path& machine_dir) const;
  // Clone mode: the template source (keyed by everything that decides the template) and a
  // CloneReset on each lane.
  void make_clone_lanes(std::vector<std::unique_ptr<Lane>>& lanes,
                        const std::filesystem::path& machine_dir);
  // Prepares the pristine state (anew after a failure); records the cause when it fails.
  void prepare(const std::string& failure_context);
  // prepare(), and again up to infra_retries times while it fails (not once interrupted);
  // each failed attempt logged and kept for the result's notes.
  void prepare_with_retries(const std::string& failure_context);
  // run_scenario() without the telling.
  ScenarioResult run_planned(std::size_t index);
  // One scenario on one lane, its attempts, artifacts and report files; never throws.
  ScenarioResult run_on_lane(Lane& lane, std::size_t index);
  // The scenario's attempts from `from` (run_attempts in scenario_attempts.hpp, over this
  // lane); the last attempt's result.
  ScenarioResult run_attempts(Lane& lane, std::size_t index, const std::string& from);
  // When the reset before the scenario had the console, and SSH, ready again: into the result
  // and the lane's log.
  void log_reset_times(Lane& lane, const Scenario& sc, ScenarioResult& result);
  // steps.json and the slices of the machine's logs this scenario wrote (`marks`: where each
  // log of `marked_dir` was when it began), into its folder; a failure becomes its error.
  void write_scenario_files(Lane& lane, ScenarioResult& result,
                            const std::filesystem::path& marked_dir,
                            const std::map<std::string, std::uintmax_t>& marks);
  // A result for scenario `index`: where it is written and where its files go.
  [[nodiscard]] ScenarioResult result_for(std::size_t index) const;
  // The result of a scenario that cannot run: the run is broken (boot, interrupt).
  ScenarioResult error_result(std::size_t index, std::chrono::milliseconds boot_time);
  // Where scenario `index` starts: pristine, or its predecessor's end state (run first when
  // it is not planned); throws with a clear message when it cannot.
  std::string start_tag(Lane& lane, std::size_t index, ScenarioResult& result);
  ScenarioResult attempt(Lane& lane, std::size_t index, const std::string& from_tag);
  // The scenario failed at `step` with `e`: its status, kind, place and message.
  void fail_with(ScenarioResult& r, const Step& step, const std::exception& e,
                 Machine& machine) const;
  // The step executors' sink for `live: true` lines (RunOptions::live_lines, masked), or none.
  [[nodiscard]] LiveLineSink live_lines() const;
  void collect_artifacts(Lane& lane, ScenarioResult& result);
  // --keep-failed-state: saves the failed machine into the scenario's failed-state/.
  void keep_failed_state(Lane& lane, const Scenario& scenario, ScenarioResult& result);
  void keep_last_state(Lane& lane, std::size_t index, ScenarioResult& result);
  void roll_back(Lane& lane, const std::string& tag);
  // After scenario `index` passed: keeps its end state when a planned scenario continues it.
  void keep_end_state(Lane& lane, std::size_t index);
  // After a chained scenario ran for good: its predecessor's end state goes when no planned
  // scenario still needs it.
  void release_end_state(Lane& lane, std::size_t index);
  void mask(ScenarioResult& r) const;
  // Keeps the facts of `lane`'s machine (and its images' digests), once.
  void note_facts(Lane& lane);
  // Tells `observer` the suite's facts when it knows more than it was last told.
  void tell_facts(RunObserver& observer);
  [[nodiscard]] std::optional<Suite::Reset> reset_mode() const;
  void break_with(const std::string& why);  // the first cause stays
  [[nodiscard]] std::optional<std::string> broken() const;

  Suite suite_;
  RunOptions options_;
  std::optional<MachineProfile> profile_;  // loaded once (its image resolved)
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::shared_ptr<TemplateSource> templates_;  // clone mode: the lanes' template
  std::unique_ptr<ScenarioPool> pool_;         // several lanes: runs them
  std::string reset_reason_;
  std::optional<std::string> clones_failed_;  // why clone mode fell back to snapshot
  std::vector<std::string> boot_attempts_;    // each failed boot the retries followed
  std::string boot_cache_use_;
  bool prepared_ = false;
  Machine* booting_ = nullptr;      // the machine boot_machine() is booting (for interrupt())
  Variables provisioned_;           // suite variables plus provisioning's captures
  mutable std::mutex facts_mutex_;  // guards facts_: lanes run on threads of their own
  std::optional<MachineFacts> facts_;
  std::map<std::string, std::string> image_sha256_;  // of facts_'s disks, under facts_mutex_
  std::optional<SuiteFacts> told_;                   // what observers were last told
  mutable std::mutex broken_mutex_;  // guards broken_: lanes run on threads of their own
  std::optional<std::string> broken_;
  ScenarioPlan plan_;         // what this process runs, and which end states it needs
  std::mutex machine_mutex_;  // guards lanes_ and booting_ against interrupt()
  std::atomic<bool> interrupted_{false};
  UniqueFd interrupt_event_;  // readable once interrupted: stops a download in progress
  SecretMask secrets_;        // the suite's secrets, masked in every result
  std::string interruption_;  // "interrupted by SIGINT", under machine_mutex_
};

}  // namespace hurdle
