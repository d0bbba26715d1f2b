// Runs the steps of a scenario on a Machine: expands ${...} with the suite's variables and the
// values captured so far, then hands the step to its kind (steps/), which does it and checks
// what it must check through the calls below. It owns the host services the steps start, for
// as long as it lives (one scenario, or the provisioning). A step that does not get what it
// expects throws StepFailed with the step, where it is written, and what was expected versus
// what came.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/variables.hpp"
#include "host/host_service.hpp"
#include "machine/machine.hpp"
#include "results/imported_test.hpp"
#include "suite/step.hpp"

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

// How a command run by a step ended: its exit status, or the signal that ended it.
struct CommandEnd {
  int exit_status = -1;
  std::string signal;
  std::string over;  // how it reached the guest: "ssh", "channel" or "console"
};

// Where the lines of `live: true` commands go: whole lines (stdout's, `err` false, or
// stderr's), as the guest wrote them; the runner masks secrets and writes them out. `block`
// (may be unset) is told when a live step starts (`title`: what it runs) and ends (empty), for
// a front end that folds each step's lines (GitHub's log groups).
struct LiveLineSink {
  std::function<void(bool err, std::string_view line)> line;
  std::function<void(const std::string& title)> block;
  explicit operator bool() const { return static_cast<bool>(line); }
};

class StepExecutor {
 public:
  // `files`: where ssh.get, screenshot and results.import put what they fetch (the scenario's
  // report folder). ssh.put reads a relative path from the folder of the suite file the step
  // is written in.
  StepExecutor(Machine& machine, Variables variables, std::filesystem::path files,
               std::chrono::milliseconds default_timeout);

  void run(const Step& step);

  [[nodiscard]] const Variables& variables() const { return variables_; }
  // The tests results.import steps brought in so far (kept when a later step fails).
  [[nodiscard]] const std::vector<ImportedTest>& imported() const { return imported_; }
  // Where `live: true` output goes; unset, such a step runs as any other.
  void set_live_lines(LiveLineSink sink) { live_lines_ = std::move(sink); }
  // How the last step's command ended, if it ran one; taken once (the runner's step record).
  std::optional<CommandEnd> take_command_end() { return std::exchange(command_end_, {}); }

  // For the step kinds (steps/):
  [[nodiscard]] Machine& machine() { return machine_; }
  [[nodiscard]] const std::filesystem::path& files() const { return files_; }
  // The step's own time-out, else the suite's default.
  [[nodiscard]] std::chrono::milliseconds timeout_of(const Step& step) const {
    return step.timeout.value_or(default_timeout_);
  }
  // Sets the pattern's named groups, as matched in `text`, as variables.
  void capture(const std::string& pattern, const std::string& text);
  void set_variable(const std::string& name, std::string value);
  void add_imported(std::vector<ImportedTest> tests);
  [[nodiscard]] const LiveLineSink& live_lines() const { return live_lines_; }
  void set_command_end(CommandEnd end) { command_end_ = std::move(end); }
  // Numbers each import's folder under imported/: 1, 2, ...
  [[nodiscard]] int next_import_number() { return ++imports_; }
  // A host service started by host.serve, by name; null when there is none.
  [[nodiscard]] HostService* service(const std::string& name);
  void add_service(const std::string& name, std::unique_ptr<HostService> service);

 private:
  Machine& machine_;
  Variables variables_;
  std::filesystem::path files_;
  std::chrono::milliseconds default_timeout_;
  std::vector<ImportedTest> imported_;
  int imports_ = 0;
  LiveLineSink live_lines_;
  std::optional<CommandEnd> command_end_;
  // host.serve's services, by name: they answer until the executor (the scenario) ends.
  std::map<std::string, std::unique_ptr<HostService>> services_;
};

}  // namespace hurdle
