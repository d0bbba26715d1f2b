// Steps of YAML suites executed on the linux-mini guest under TCG: the example suite's steps
// all pass (with a pristine snapshot restored before each fresh scenario), and failing steps
// say what they expected and what came.
#include "suite/step_executor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "suite/suite_loader.hpp"
#include "support/paths.hpp"
#include "support/scratch_folder.hpp"
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
  const fs::path file = test::scratch_folder() / ("step-executor-" + name + ".yaml");
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
                  "100ms, timeout: 5s }\n");
  EXPECT_THROW(one.executor->run(one.steps().at(0)), TimeoutError);
  // Every 0.1 s for 5 s: 10 tries even when each takes 0.4 s (a TCG guest on a loaded host;
  // 0.2 s made 9 in 3 s once). The default back-off (0.2, 0.4, 0.8, 1.6 s) would make 5.
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

// console.expect_absent passes when none of its patterns shows within its window (and leaves
// the output for a later console.expect), and fails, naming what came, when one does: from
// output already waiting, or from output that arrives within the window.
TEST(StepExecutor, ExpectAbsentFailsWhenItsPatternShowsWithinTheWindow) {
  OneScenario one("expect-absent",
                  "      - console.send: 'echo calm-$((40+2))'\n"
                  "      - console.expect_absent: { patterns: ['panic', 'fsck'], within: 500ms }\n"
                  "      - console.expect: calm-42\n"
                  "      - console.send: 'echo PANIC-$((1+1)) | tr A-Z a-z'\n"
                  "      - console.expect_absent: 'panic-2'\n"
                  "      - console.send: 'sleep 1; echo late-$((2+3))'\n"
                  "      - console.expect_absent: { patterns: ['late-5'], within: 5s }\n");
  one.vm->login();
  const auto& s = one.steps();
  one.executor->run(s[0]);
  EXPECT_NO_THROW(one.executor->run(s[1]));
  EXPECT_NO_THROW(one.executor->run(s[2]));  // what expect_absent read is still there
  one.executor->run(s[3]);
  try {
    one.executor->run(s[4]);
    ADD_FAILURE() << "expected panic-2 on the console to fail the step";
  } catch (const StepFailed& e) {
    EXPECT_THAT(e.what(), HasSubstr(":11:9: console.expect_absent 'panic-2' within 1.00 s: "
                                    "expected no console output matching 'panic-2' within "
                                    "1.00 s, got \"panic-2\""));
  }
  one.executor->run(s[5]);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(one.executor->run(s[6]), StepFailed);
  // It failed when the line came (about 1 s), not at the end of the 5 s window.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
}

// ssh.succeed and ssh.fail say what Machine::succeed and Machine::fail say; ssh.run is
// ssh.succeed's older name; snapshot.delete removes a tag; console.send with newline: false
// types without Enter.
TEST(StepExecutor, TheStepNamesAreTheMethodNames) {
  OneScenario one("vocabulary",
                  "      - ssh.succeed: 'true'\n"
                  "      - ssh.fail: 'false'\n"
                  "      - ssh.fail: 'true'\n"
                  "      - ssh.fail: { command: 'exit 3', exit: 3 }\n"
                  "      - ssh.run: 'exit 2'\n"
                  "      - snapshot.save: one\n"
                  "      - snapshot.delete: one\n"
                  "      - console.send: { text: 'echo typed-$((3+4))', newline: false }\n"
                  "      - console.send: ''\n"
                  "      - console.expect: typed-7\n"
                  "      - wait_until_succeeds: { command: 'true', timeout: 5s }\n"
                  "      - snapshot.restore: one\n");
  one.vm->login();
  const auto& s = one.steps();
  EXPECT_NO_THROW(one.executor->run(s[0]));
  EXPECT_NO_THROW(one.executor->run(s[1]));
  try {
    one.executor->run(s[2]);
    ADD_FAILURE() << "expected ssh.fail of `true` to fail";
  } catch (const StepFailed& e) {
    EXPECT_THAT(e.what(), HasSubstr("ssh.fail `true`: expected a non-zero exit status, got exit "
                                    "status 0"));
  }
  EXPECT_NO_THROW(one.executor->run(s[3]));
  try {
    one.executor->run(s[4]);
    ADD_FAILURE() << "expected ssh.run of `exit 2` to fail";
  } catch (const StepFailed& e) {
    EXPECT_THAT(e.what(), HasSubstr("ssh.run `exit 2`: expected exit status 0, got exit status 2"));
  }
  one.executor->run(s[5]);
  one.executor->run(s[6]);
  EXPECT_THAT(one.vm->snapshots(), ::testing::Not(::testing::Contains("one")));
  one.executor->run(s[7]);
  // Without Enter the shell has not run it yet: nothing but the echo of the typing.
  EXPECT_THROW(one.vm->console().expect("typed-7", 1s), TimeoutError);
  one.executor->run(s[8]);
  EXPECT_NO_THROW(one.executor->run(s[9]));
  EXPECT_NO_THROW(one.executor->run(s[10]));
  try {
    one.executor->run(s[11]);
    ADD_FAILURE() << "expected the deleted snapshot not to load";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("one"));
  }
}

}  // namespace
}  // namespace hurdle
