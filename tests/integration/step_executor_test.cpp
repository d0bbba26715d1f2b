// Steps of YAML suites executed on the linux-mini guest under TCG: the example suite's steps
// all pass (with a pristine snapshot restored before each fresh scenario), and failing steps
// say what they expected and what came.
#include "suite/step_executor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "suite/suite_loader.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_machine.hpp"

namespace hurdle {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(StepExecutor, TheExampleSuitesStepsAllPass) {
  const Suite suite = load_suite(test::source_dir() / "scenarios/examples/linux-mini.yaml");
  auto vm = Machine::start(load_machine_profile(suite.machine, suite.machine_variables),
                           test::machine_options("steps-example"));
  vm->wait_for_boot();
  vm->login();
  StepExecutor provision(*vm, suite.variables, vm->log_dir() / "files", suite.timeout);
  for (const auto& step : suite.provision) provision.run(step);
  vm->snapshot("pristine");
  for (const auto& scenario : suite.scenarios) {
    if (scenario.isolation == Isolation::kFresh) vm->restore("pristine");
    StepExecutor steps(*vm, provision.variables(), vm->log_dir() / "files" / scenario.name,
                       suite.timeout);
    for (const auto& step : scenario.steps) {
      SCOPED_TRACE(scenario.name + ": " + step.describe());
      EXPECT_NO_THROW(steps.run(step));
    }
    if (scenario.name == "kernel-is-linux") {
      // The named group of stdout_matches became ${release}.
      std::ifstream in(test::guest_dir("linux-mini") / "kernel.release");
      std::string release;
      std::getline(in, release);
      EXPECT_EQ(release.rfind(steps.variables().at("release"), 0), 0u);
    }
  }
  // ssh.put read data/greeting.txt next to the suite file (the test runs in the build tree).
  EXPECT_EQ(test::read_file(vm->log_dir() / "files" / "files-round-trip" / "greeting.copy"),
            "hello from the host\n");
}

// Each test its own file: CTest runs them in parallel processes.
fs::path write_suite(const std::string& name, const std::string& steps) {
  const fs::path file = fs::temp_directory_path() / ("hurdle-step-executor-" + name + ".yaml");
  std::ofstream(file) << "machine: "
                      << (test::source_dir() / "fixtures/machines/linux-mini.yaml").string()
                      << "\nvariables:\n  word: bye\nscenarios:\n  - name: a\n    steps:\n"
                      << steps;
  return file;
}

// A one-scenario suite of `steps`, its booted linux-mini machine, and an executor on it.
struct OneScenario {
  Suite suite;
  std::unique_ptr<Machine> vm;
  std::unique_ptr<StepExecutor> executor;

  OneScenario(const std::string& name, const std::string& steps)
      : suite(load_suite(write_suite(name, steps))),
        vm(Machine::start(load_machine_profile(suite.machine),
                          test::machine_options("steps-" + name))) {
    vm->wait_for_boot();
    executor = std::make_unique<StepExecutor>(*vm, suite.variables, vm->log_dir() / "files", 30s);
  }
  [[nodiscard]] const std::vector<Step>& steps() const { return suite.scenarios.at(0).steps; }
};

TEST(StepExecutor, FailingStepsSayWhatTheyExpectedAndWhatCame) {
  OneScenario one("failing",
                  "      - ssh.run: 'echo out; echo err >&2; exit 4'\n"
                  "      - ssh.run: { command: echo GNU, stdout: \"Linux\\n\" }\n"
                  "      - ssh.run: { command: uname -s, stdout_matches: '^GNU' }\n"
                  "      - qmp: { command: query-status, expect: { status: paused } }\n"
                  "      - ssh.run: { command: 'echo ${word}', stdout: \"hello\\n\" }\n");
  const auto& s = one.steps();
  const auto message = [&](const Step& step) -> std::string {
    try {
      one.executor->run(step);
    } catch (const StepFailed& e) {
      return e.what();
    }
    return "no failure";
  };
  EXPECT_THAT(message(s[0]),
              HasSubstr(":7:9: ssh.run `echo out; echo err >&2; exit 4`: expected exit "
                        "status 0, got exit status 4 (stdout \"out\\n\", stderr \"err\\n\")"));
  EXPECT_THAT(message(s[1]),
              HasSubstr(":8:9: ssh.run `echo GNU`: expected stdout \"Linux\\n\", got \"GNU\\n\""));
  EXPECT_THAT(message(s[2]), HasSubstr("expected stdout matching '^GNU', got \"Linux\\n\""));
  EXPECT_THAT(message(s[3]), HasSubstr("expected a reply containing {\"status\":\"paused\"}"));
  // What ran, with its values, not the ${...} it was written with.
  EXPECT_THAT(message(s[4]), HasSubstr(":11:9: ssh.run `echo bye`: expected stdout \"hello\\n\""));
}

TEST(StepExecutor, WaitUntilTriesEveryInterval) {
  OneScenario one("interval",
                  "      - wait_until: { command: 'echo try >> /tmp/tries; false', interval: "
                  "100ms, timeout: 3s }\n");
  EXPECT_THROW(one.executor->run(one.steps().at(0)), TimeoutError);
  // Every 0.1 s for 3 s; the default back-off (0.2, 0.4, 0.8, 1.6 s) would make 5 tries.
  EXPECT_GE(std::stoi(one.vm->succeed("wc -l < /tmp/tries")), 10);
}

// console.run: a command on the serial console with its output and exit status, as ssh.run
// has them; it runs in the console's shell (a `cd` stays), an output check captures, a failure
// shows the output, and a time-out leaves the shell usable for the next command.
TEST(StepExecutor, ConsoleRunReportsOutputAndStatusLikeSshRun) {
  OneScenario one(
      "console-run",
      "      - console.run: { command: 'cd /tmp; echo in $(pwd)', stdout: \"in /tmp\\n\" }\n"
      "      - console.run: { command: pwd, stdout_matches: '^(?P<where>/\\w+)' }\n"
      "      - console.run: 'echo ${where}-$((6*7)); echo oops; exit_code() { return 3; }; "
      "exit_code'\n"
      "      - console.run: { command: 'sleep 30', timeout: 2s }\n"
      "      - console.run: { command: 'echo still here', stdout: \"still here\\n\" }\n");
  one.vm->login();
  const auto& s = one.steps();
  EXPECT_NO_THROW(one.executor->run(s[0]));
  EXPECT_NO_THROW(one.executor->run(s[1]));
  EXPECT_EQ(one.executor->variables().at("where"), "/tmp");
  try {
    one.executor->run(s[2]);
    ADD_FAILURE() << "expected the exit status to fail the step";
  } catch (const StepFailed& e) {
    EXPECT_THAT(e.what(), HasSubstr(":9:9: console.run `echo /tmp-$((6*7)); echo oops; "));
    EXPECT_THAT(e.what(), HasSubstr("expected exit status 0, got exit status 3 (output "
                                    "\"/tmp-42\\noops\\n\")"));
  }
  EXPECT_THROW(one.executor->run(s[3]), TimeoutError);
  EXPECT_NO_THROW(one.executor->run(s[4]));
}

}  // namespace
}  // namespace hurdle
