// Turns scenario results into the run's report as they come: one ReportCase per scenario run,
// suite properties (hurdle and QEMU versions, accelerator, profile, image) from the suite's
// facts (suite_properties: a pure conversion),
// and, when a JUnit path is given, the JUnit file rewritten after every scenario, so that a
// run that is interrupted still leaves a complete, valid report of what ran. The scenarios a
// run is given are planned first, as errors that say they were not run, and each result
// replaces its plan: a run killed outright (SIGKILL, a CI job's time limit) leaves every
// scenario it did not get to in its report, never a missing test.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/run_observer.hpp"
#include "report/run_report.hpp"

namespace hurdle {

// The JUnit properties of a suite's facts, in order: reset, reset.reason, boot_cache,
// qemu.version, accelerator, accelerator.reason, architecture, then image.NODE (its file) with, per
// disk, the lock's entry, URL, artifact, pin, recipe and sha256 for a prepared image, or the sha256
// the engine found.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> suite_properties(
    const SuiteFacts& facts);

class RunRecorder;
class SecretMask;

// The end of a run's reports, whoever ran it (`hurdle run`, `hurdle mach-test`): the JUnit
// file's last write checked and summary.json written into `report_dir` with `exit_status`;
// returns the exit status, the infrastructure's when either could not be written (printed).
int finish_reports(const RunRecorder& recorder, int exit_status,
                   const std::filesystem::path& report_dir, const SecretMask& secrets);

class RunRecorder : public RunObserver {
 public:
  explicit RunRecorder(std::optional<std::filesystem::path> junit);

  // Puts `scenario` in the report as not run yet (an error of type NotRun), until record().
  void plan(const Suite& suite, const Scenario& scenario);
  // Never throws: a scenario is in the report whatever its text holds or the disk says.
  void scenario_finished(const Suite& suite, const Scenario& scenario,
                         const ScenarioResult& result) override;
  // The suite's properties become suite_properties(facts), after hurdle's own.
  void suite_facts(const Suite& suite, const SuiteFacts& facts) override;
  // Writes the JUnit file now (also done after every record()); a failure is kept, not thrown.
  void flush();

  [[nodiscard]] RunReport report() const;
  // The report as the run's findings left it (run/run_findings.hpp), written at once.
  void replace_report(RunReport report);
  // Why the JUnit file could not be written the last time it was tried (a full disk, a
  // read-only folder), if it could not: the run then ends with the infrastructure's status.
  [[nodiscard]] std::optional<std::string> write_error() const;

 private:
  ReportSuite& suite_named(const Suite& suite);

  std::optional<std::filesystem::path> junit_;
  mutable std::mutex mutex_;
  RunReport report_;
  std::optional<std::string> write_error_;
  std::set<std::pair<std::string, std::string>> planned_;  // (suite, scenario) not run yet
};

}  // namespace hurdle
