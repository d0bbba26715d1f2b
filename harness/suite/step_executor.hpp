// Runs the steps of a scenario on a Machine: expands ${...} with the suite's variables and
// the values captured so far, performs the step, checks what it must check, and records the
// named groups it captured. It owns the host services the steps start, for as long as it lives
// (one scenario, or the provisioning). A step that does not get what it expects throws StepFailed
// with the step, where it is written, and what was expected versus what came.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "config/variables.hpp"
#include "host/host_service.hpp"
#include "machine/machine.hpp"
#include "results/imported_test.hpp"
#include "suite/suite.hpp"

namespace hurdle {

class StepFailed : public Error {
 public:
  StepFailed(const Step& step, const std::string& expected, const std::string& got);
  [[nodiscard]] const std::string& expected() const { return expected_; }
  [[nodiscard]] const std::string& got() const { return got_; }
  [[nodiscard]] const char* kind() const noexcept override { return "StepFailed"; }

 private:
  std::string expected_;
  std::string got_;
};

class StepExecutor {
 public:
  // `files`: where ssh.get and screenshot put what they fetch (the scenario's report folder).
  // ssh.put reads a relative path from the folder of the suite file the step is written in.
  StepExecutor(Machine& machine, Variables variables, std::filesystem::path files,
               std::chrono::milliseconds default_timeout);

  void run(const Step& step);

  [[nodiscard]] const Variables& variables() const { return variables_; }
  // The tests results.import steps brought in so far (kept when a later step fails).
  [[nodiscard]] const std::vector<ImportedTest>& imported() const { return imported_; }

 private:
  // The step with ${...} replaced in every text and its time-out settled.
  [[nodiscard]] Step expanded(const Step& step) const;
  void capture(const std::string& pattern, const std::string& text);
  // ssh.run's and console.run's checks: the exit status, then each stdout/stderr check.
  void check_command(const Step& step, int exit_status, const std::string& signal,
                     const std::string& out, const std::string& err);

  Machine& machine_;
  Variables variables_;
  std::filesystem::path files_;
  std::chrono::milliseconds default_timeout_;
  std::vector<ImportedTest> imported_;
  int imports_ = 0;  // numbers each import's folder under imported/
  // host.serve's services, by name: they answer until the executor (the scenario) ends.
  std::map<std::string, std::unique_ptr<HostService>> services_;
};

}  // namespace hurdle
