// The suite loader: the example suite loads whole, and malformed suites are rejected before
// any VM starts with file:line:column and what was expected (a table of cases), and through
// `hurdle validate` with exit status 2.
#include "scenario/suite_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/boost_process.hpp"
#include "support/paths.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(SuiteLoader, TheExampleSuiteLoadsWhole) {
  const Suite s = load_suite(test::source_dir() / "scenarios/examples/linux-mini.yaml");
  EXPECT_EQ(s.name, "linux-mini");
  EXPECT_EQ(s.machine.filename(), "linux-mini.yaml");
  EXPECT_TRUE(s.login);
  ASSERT_EQ(s.provision.size(), 1u);
  ASSERT_EQ(s.scenarios.size(), 6u);
  const Scenario& first = s.scenarios[0];
  EXPECT_EQ(first.name, "kernel-is-linux");
  EXPECT_EQ(first.tags, std::vector<std::string>{"smoke"});
  ASSERT_EQ(first.steps.size(), 3u);
  EXPECT_EQ(first.steps[0].kind, StepKind::kSshRun);
  EXPECT_EQ(first.steps[0].stdout_equals, "Linux\n");
  EXPECT_EQ(first.steps[1].captures, std::vector<std::string>{"release"});
  EXPECT_EQ(first.steps[1].where.line, 21u);
  EXPECT_EQ(s.scenarios[4].isolation, Isolation::kChained);
  EXPECT_EQ(s.scenarios[5].steps[0].expect, (nlohmann::json{{"status", "running"}}));
  EXPECT_EQ(s.scenarios[5].steps[1].interval, std::chrono::milliseconds(200));
}

struct BadSuite {
  const char* what;
  const char* body;      // after the common head
  const char* expected;  // a part of the message, with ":line:column:"
};

// Every suite below starts with these two lines.
constexpr const char* kHead = "machine: linux-mini\nscenarios:\n";

const BadSuite kBadSuites[] = {
    {"bad indentation", "  - name: a\n    steps:\n     - ssh.run: true\n   - x\n", "invalid YAML"},
    {"unknown step", "  - name: a\n    steps:\n      - ssh.runn: true\n",
     ":5:9: unknown step 'ssh.runn'; expected one of"},
    {"unknown key in a step",
     "  - name: a\n    steps:\n      - ssh.run: { command: x, stdot: y }\n",
     ":5:32: unknown key 'stdot'"},
    {"wrong type", "  - name: a\n    steps:\n      - ssh.run: { command: x, exit: zero }\n",
     ":5:38: expected a whole number, found 'zero'"},
    {"missing pattern", "  - name: a\n    steps:\n      - console.expect:\n",
     ":5:9: console.expect needs a pattern"},
    {"invalid regex", "  - name: a\n    steps:\n      - console.expect: 'login: ('\n",
     ":5:25: invalid regular expression 'login: ('"},
    {"unknown variable", "  - name: a\n    steps:\n      - ssh.run: echo ${nope}\n",
     ":5:18: unknown variable ${nope}"},
    {"capture used before it is made",
     "  - name: a\n    steps:\n      - ssh.run: echo ${v}\n      - ssh.run: { command: x, "
     "stdout_matches: '(?P<v>.)' }\n",
     ":5:18: unknown variable ${v}"},
    {"a capture of another scenario",
     "  - name: a\n    steps:\n      - ssh.run: { command: x, stdout_matches: '(?P<v>.)' }\n"
     "  - name: b\n    steps:\n      - ssh.run: echo ${v}\n",
     ":8:18: unknown variable ${v}"},
    {"unknown scenario key", "  - name: a\n    stesp: []\n", ":4:5: unknown key 'stesp'"},
    {"no steps", "  - name: a\n", ":3:5: scenario 'a' needs steps"},
    {"bad isolation", "  - name: a\n    isolation: shared\n    steps: [ssh.run: x]\n",
     ":4:16: expected isolation fresh or chained"},
    {"duplicate scenario",
     "  - name: a\n    steps: [ssh.run: x]\n  - name: a\n    steps: [ssh.run: x]\n",
     ":5:11: a second scenario named 'a'"},
    {"bad scenario name", "  - name: a.b\n    steps: [ssh.run: x]\n",
     ":3:11: expected a scenario name of letters"},
    {"bad duration",
     "  - name: a\n    steps:\n      - console.expect: { patterns: [x], timeout: soon }\n",
     ":5:51: expected a duration"},
    {"a step that is a list", "  - name: a\n    steps:\n      - [ssh.run, x]\n",
     ":5:9: expected a step: a mapping with one key"},
    {"two steps in one item", "  - name: a\n    steps:\n      - { ssh.run: x, reboot: {} }\n",
     ":5:9: expected a step: a mapping with one key"},
    {"exit status out of range",
     "  - name: a\n    steps:\n      - ssh.run: { command: x, exit: 300 }\n",
     ":5:38: expected an exit status from 0 to 255"},
    {"put without remote", "  - name: a\n    steps:\n      - ssh.put: { local: a }\n",
     ":5:18: the ssh.put step needs the key 'remote'"},
    {"qmp arguments not a mapping",
     "  - name: a\n    steps:\n      - qmp: { command: stop, arguments: [1] }\n",
     ":5:42: expected a mapping"},
    {"the runner's own tag", "  - name: a\n    steps:\n      - snapshot.save: pristine\n",
     ":5:24: the tag 'pristine' is the runner's own"},
    {"unknown reset", "  - name: a\n    steps: [ssh.run: x]\ndefaults:\n  reset: never\n",
     ":6:10: expected reset snapshot or reboot, found 'never'"},
    {"retries out of range", "  - name: a\n    retries: 99\n    steps: [ssh.run: x]\n",
     ":4:14: expected retries from 0 to 10"},
};

fs::path write_suite(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / "hurdle-suite-loader-test";
  fs::create_directories(dir);
  const fs::path file = dir / (name + ".yaml");
  std::ofstream(file) << text;
  return file;
}

TEST(SuiteLoader, MalformedSuitesNameTheirLineAndWhatWasExpected) {
  const std::vector<fs::path> profiles = {test::source_dir() / "fixtures/machines"};
  int n = 0;
  for (const auto& bad : kBadSuites) {
    const fs::path file = write_suite("bad-" + std::to_string(n++), std::string(kHead) + bad.body);
    try {
      load_suite(file, profiles);
      ADD_FAILURE() << bad.what << ": loaded without an error";
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr(file.string())) << bad.what;
      EXPECT_THAT(e.what(), HasSubstr(bad.expected)) << bad.what;
    }
  }
  EXPECT_GE(n, 15);
}

TEST(SuiteLoader, AMissingMachineProfileIsNamed) {
  const fs::path file = write_suite(
      "no-profile", "machine: no-such-machine\nscenarios:\n  - name: a\n    steps: [ssh.run: x]\n");
  try {
    load_suite(file);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr(":1:10: no machine profile named 'no-such-machine'"));
  }
}

// `hurdle validate` exits 2 on a bad suite and names it; 0 on a good one.
int run_validate(const std::vector<std::string>& files, std::string& err_text) {
  namespace bp = boost::process::v2;
  boost::asio::io_context ctx;
  boost::asio::readable_pipe err(ctx);
  std::vector<std::string> args = {"validate"};
  args.insert(args.end(), files.begin(), files.end());
  bp::process p(ctx, test::hurdle_program().string(), args,
                bp::process_stdio{nullptr, nullptr, err});
  boost::system::error_code ec;
  boost::asio::read(err, boost::asio::dynamic_buffer(err_text), ec);
  return p.wait();
}

TEST(HurdleValidate, ExitsTwoOnABadSuiteAndZeroOnAGoodOne) {
  std::string err;
  EXPECT_EQ(
      run_validate({(test::source_dir() / "scenarios/examples/linux-mini.yaml").string()}, err), 0)
      << err;
  const fs::path bad = write_suite(
      "cli-bad", "machine: " + (test::source_dir() / "fixtures/machines/linux-mini.yaml").string() +
                     "\nscenarios:\n" + kBadSuites[1].body);
  err.clear();
  EXPECT_EQ(run_validate({bad.string()}, err), 2);
  EXPECT_THAT(err, HasSubstr(bad.string() + ":5:9: unknown step 'ssh.runn'"));
}

}  // namespace
}  // namespace hurdle
