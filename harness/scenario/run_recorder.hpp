// Turns scenario results into the run's report as they come: one ReportCase per scenario run,
// suite properties (hurdle and QEMU versions, accelerator, profile, image) from the machine,
// and, when a JUnit path is given, the JUnit file rewritten after every scenario, so that a
// run that is interrupted still leaves a complete, valid report of what ran.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>

#include "report/run_report.hpp"
#include "scenario/suite_runner.hpp"

namespace hurdle {

class RunRecorder {
 public:
  explicit RunRecorder(std::optional<std::filesystem::path> junit);

  void record(SuiteRunner& runner, const Scenario& scenario, const ScenarioResult& result);
  // Writes the JUnit file now (also done after every record()).
  void flush();

  [[nodiscard]] RunReport report() const;

 private:
  ReportSuite& suite_for(SuiteRunner& runner);

  std::optional<std::filesystem::path> junit_;
  mutable std::mutex mutex_;
  RunReport report_;
};

}  // namespace hurdle
