// The suite loader: the example suite loads whole, and malformed suites are rejected before
// any VM starts with file:line:column and what was expected (a table of cases), and through
// `hurdle validate` with exit status 2.
#include "suite/suite_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "core/boost_process.hpp"
#include "support/paths.hpp"
#include "support/scratch_folder.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

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
  const auto* uname = first.steps[0].as<SshCommand>();
  ASSERT_NE(uname, nullptr);
  EXPECT_EQ(uname->checks.stdout_equals, "Linux\n");
  EXPECT_EQ(first.steps[1].captures, std::vector<std::string>{"release"});
  EXPECT_EQ(first.steps[1].where.line, 21u);
  EXPECT_EQ(s.scenarios[4].isolation, Isolation::kChained);
  EXPECT_EQ(s.scenarios[4].after, 3u);  // `isolation: chained`: the one before it
  EXPECT_EQ(s.scenarios[0].after, std::nullopt);
  EXPECT_EQ(s.reset, std::nullopt);  // clone where it can, else snapshot
  ASSERT_NE(s.scenarios[5].steps[0].as<QmpStep>(), nullptr);
  EXPECT_EQ(s.scenarios[5].steps[0].as<QmpStep>()->expect, (nlohmann::json{{"status", "running"}}));
  ASSERT_NE(s.scenarios[5].steps[1].as<WaitUntilSucceeds>(), nullptr);
  EXPECT_EQ(s.scenarios[5].steps[1].as<WaitUntilSucceeds>()->interval,
            std::chrono::milliseconds(200));
}

struct BadSuite {
  const char* what;
  const char* body;      // after the common head
  const char* expected;  // a part of the message, with ":line:column:"
};

// Every suite below starts with these two lines.
constexpr const char* kHead = "machine: linux-mini\nscenarios:\n";

const BadSuite kBadSuites[] = {
    {"bad indentation", "  - name: a\n    steps:\n     - ssh.run: true\n   - x\n",
     ":6:4: invalid YAML"},
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
     ":3:11: expected a scenario name of 1 to 100 letters"},
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
     ":6:10: expected reset clone, snapshot or reboot, found 'never'"},
    {"after an unknown scenario", "  - name: a\n    after: b\n    steps: [ssh.run: x]\n",
     ":4:12: expected `after:` to name a scenario earlier in this file, found 'b'"},
    {"after a later scenario",
     "  - name: a\n    after: b\n    steps: [ssh.run: x]\n  - name: b\n    steps: [ssh.run: x]\n",
     ":4:12: expected `after:` to name a scenario earlier in this file, found 'b'"},
    {"after itself",
     "  - name: a\n    steps: [ssh.run: x]\n  - name: b\n    after: b\n"
     "    steps: [ssh.run: x]\n",
     ":6:12: expected `after:` to name a scenario earlier in this file, found 'b' (itself)"},
    {"after and fresh",
     "  - name: a\n    steps: [ssh.run: x]\n  - name: b\n    isolation: fresh\n    after: a\n"
     "    steps: [ssh.run: x]\n",
     ":7:12: `after:` makes a scenario chained; it cannot also be fresh"},
    {"the first scenario chained", "  - name: a\n    isolation: chained\n    steps: [ssh.run: x]\n",
     ":4:16: the first scenario cannot be chained"},
    {"retries out of range", "  - name: a\n    retries: 99\n    steps: [ssh.run: x]\n",
     ":4:14: expected retries from 0 to 10"},
    // YAML that yaml-cpp would load without a word.
    {"a key given twice", "  - name: a\n    name: b\n    steps: [ssh.run: x]\n",
     ":4:5: the key 'name' is given twice in this mapping (first at line 3)"},
    {"a second document", "  - name: a\n    steps: [ssh.run: x]\n---\nsuite: b\n",
     ":5:1: a second YAML document"},
    {"an alias bomb",
     "  - name: a\n    steps: [ssh.run: x]\n"
     "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n",
     ":10:9: aliases expand this file into more than 200000 values"},
    {"a duration beyond 24h",
     "  - name: a\n    steps:\n      - console.expect: { patterns: [x], timeout: 9999999h }\n",
     ":5:51: expected a duration of at most 24h, found '9999999h'"},
    {"an interval beyond 24h",
     "  - name: a\n    steps:\n      - wait_until: { command: x, interval: 25h }\n",
     ":5:45: expected a duration of at most 24h"},
    {"a negative time-out", "  - name: a\n    steps: [ssh.run: x]\ndefaults:\n  timeout: -1s\n",
     ":6:12: expected a duration such as 250ms"},
    // Names hurdle uses itself, and names too long for a file.
    {"a scenario name too long",
     "  - name: "
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n    steps: [ssh.run: x]\n",
     ":3:11: expected a scenario name of 1 to 100 letters"},
    {"a scenario GoogleTest disables", "  - name: DISABLED_a\n    steps: [ssh.run: x]\n",
     ":3:11: expected a scenario name that does not start with DISABLED_"},
    {"a scenario named like the machine's folder", "  - name: machine\n    steps: [ssh.run: x]\n",
     ":3:11: the scenario name 'machine' is the name of the machine's own report folder"},
    {"a scenario named like provisioning's folder",
     "  - name: provision\n    steps: [ssh.run: x]\n", ":3:11: the scenario name 'provision'"},
    {"a suite GoogleTest disables", "  - name: a\n    steps: [ssh.run: x]\nsuite: DISABLED_s\n",
     ":5:8: expected a suite name that does not start with DISABLED_"},
    {"a suite name that reads as an option", "  - name: a\n    steps: [ssh.run: x]\nsuite: -s\n",
     ":5:8: expected a suite name of 1 to 100 letters"},
    {"an end-state tag restored", "  - name: a\n    steps: [snapshot.restore: end-3]\n",
     ":4:31: the tag 'end-3' is the runner's own"},
    {"pristine through a variable",
     "  - name: a\n    steps: [{snapshot.save: '${t}'}]\nvariables:\n  t: pristine\n",
     ":4:29: the tag 'pristine' is the runner's own"},
    {"a tag that is not a name once expanded",
     "  - name: a\n    steps: [{snapshot.save: 'x${t}'}]\nvariables:\n  t: a b\n",
     ":4:29: expected a snapshot tag of 1 to 100 letters, digits, '_', '.' or '-', found 'xa b'"},
    {"a regex invalid once expanded",
     "  - name: a\n    steps: [{console.expect: 'x${p}'}]\nvariables:\n  p: (\n",
     ":4:30: invalid regular expression 'x${p}'"},
    // Files: what to put must exist; what is fetched stays in the report folder.
    {"put of a file that does not exist",
     "  - name: a\n    steps:\n      - ssh.put: { local: no-such-file, remote: /tmp/x }\n",
     ":5:27: no such file or folder to put"},
    {"exclude for a file",
     "  - name: a\n    steps:\n      - ssh.put: { local: /etc/passwd, remote: /tmp/x, "
     "exclude: [.git] }\n",
     ":5:65: exclude is for a folder, and /etc/passwd is a file"},
    {"get into an absolute path",
     "  - name: a\n    steps:\n      - ssh.get: { remote: /etc/passwd, local: /tmp/passwd }\n",
     ":5:48: expected a path inside the scenario's report folder, found the absolute path"},
    {"get out of the report folder",
     "  - name: a\n    steps:\n      - ssh.get: { remote: /etc/passwd, local: a/../../x }\n",
     ":5:48: expected a path inside the scenario's report folder without '.' or '..'"},
    {"get through a variable that climbs out",
     "  - name: a\n    steps: [{ssh.get: { remote: /x, local: '${up}/x' }}]\nvariables:\n"
     "  up: ..\n",
     ":4:44: expected a path inside the scenario's report folder without '.' or '..', found "
     "'../x'"},
    {"a screenshot out of the report folder",
     "  - name: a\n    steps:\n      - screenshot: ../escape\n",
     ":5:21: expected a path inside the scenario's report folder without '.' or '..'"},
    {"a screenshot at an absolute path", "  - name: a\n    steps:\n      - screenshot: /tmp/x\n",
     ":5:21: expected a path inside the scenario's report folder, found the absolute path"},
    // Shapes.
    {"tags that are not a list", "  - name: a\n    tags: { a: 1 }\n    steps: [ssh.run: x]\n",
     ":4:11: expected a list of strings, found a mapping"},
    {"a description that is a list", "  - name: a\n    description: [x]\n    steps: [ssh.run: x]\n",
     ":4:18: expected a string, found a list"},
    {"an unknown top-level key", "  - name: a\n    steps: [ssh.run: x]\nsenarios: []\n",
     ":5:1: unknown key 'senarios' in a suite"},
    {"console.send without text", "  - name: a\n    steps:\n      - console.send: { raw: true }\n",
     ":5:23: the console.send step needs the key 'text'"},
    {"qmp without a command", "  - name: a\n    steps:\n      - qmp: { arguments: {} }\n",
     ":5:14: the qmp step needs the key 'command'"},
    {"console.login as text", "  - name: a\n    steps:\n      - console.login: root\n",
     ":5:24: expected console.login as {} or {user, password}"},
    {"reboot as text", "  - name: a\n    steps:\n      - reboot: now\n",
     ":5:17: expected reboot as {} or {hard: true}"},
    {"an image that is not a lock name", "  - name: a\n    steps: [ssh.run: x]\nimage: ../x\n",
     ":5:8: expected the name of an image in the image lock, found '../x'"},
    {"variables that are a list", "  - name: a\n    steps: [ssh.run: x]\nvariables: [a]\n",
     ":5:12: expected variables as a mapping of name: value"},
    {"an error inside an alias",
     "  - name: a\n    steps: &common\n      - ssh.run: { command: x, exit: many }\n"
     "  - name: b\n    steps: *common\n",
     ":5:38: expected a whole number, found 'many'; this text is also used through the alias "
     "*common at line 7"},
    // Host services and power: a service lives as long as the steps around it.
    {"host.expect of a service not started",
     "  - name: a\n    steps:\n      - host.expect: { service: web, matches: GET }\n",
     ":5:33: no host service 'web' started before this step in the same steps (none is): "
     "host.serve it first"},
    {"host.expect of another scenario's service",
     "  - name: a\n    steps: [host.serve: web]\n  - name: b\n    steps:\n"
     "      - host.expect: { service: web, matches: GET }\n",
     ":7:33: no host service 'web' started before this step"},
    {"a service's port used before it serves",
     "  - name: a\n    steps:\n      - ssh.run: wget ${web_port}\n      - host.serve: web\n",
     ":5:18: unknown variable ${web_port}"},
    {"two services of one name",
     "  - name: a\n    steps:\n      - host.serve: web\n      - host.serve: { name: web }\n",
     ":6:29: a second host service named 'web' in the same steps"},
    {"a service name that is no name", "  - name: a\n    steps:\n      - host.serve: 'a b'\n",
     ":5:21: expected a service name (letters, digits, '_' and '-'"},
    {"an unknown service protocol",
     "  - name: a\n    steps:\n      - host.serve: { name: w, protocol: ftp }\n",
     ":5:42: expected protocol http or line, found 'ftp'"},
    {"host.expect with an invalid regex",
     "  - name: a\n    steps:\n      - host.serve: w\n      - host.expect: { service: w, "
     "matches: '(' }\n",
     ":6:45: invalid regular expression '('"},
    {"a provisioning service's port in a scenario (the service ended with provisioning)",
     "  - name: a\n    steps:\n      - ssh.run: wget ${web_port}\nboot:\n"
     "  provision: [host.serve: web]\n",
     ":5:18: unknown variable ${web_port}"},
    {"power_on as text", "  - name: a\n    steps:\n      - power_on: now\n",
     ":5:19: expected power_on as {} or {timeout}"},
    {"power_off with an unknown key",
     "  - name: a\n    steps:\n      - power_off: { comand: halt }\n",
     ":5:22: unknown key 'comand' in the power_off step"},
    {"defaults with an unknown key",
     "  - name: a\n    steps: [ssh.run: x]\ndefaults:\n  retry: 1\n",
     ":6:3: unknown key 'retry' in the defaults section"},
    {"always in provisioning (a failed provision step stops the run)",
     "  - name: a\n    steps: [ssh.run: x]\nboot:\n  provision:\n"
     "    - ssh.succeed: { command: x, always: true }\n",
     ":7:7: `always` is for a scenario's steps"},
    {"always as a word",
     "  - name: a\n    steps:\n      - ssh.get: { remote: a, local: b, always: yes please }\n",
     ":5:49: expected true or false"},
};

fs::path write_suite(const std::string& name, const std::string& text) {
  const fs::path dir = test::scratch_folder() / "suites";
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
  EXPECT_GE(n, 40);
}

// A boot section shared by suites (Hurd's provisioning): read as if written in the suite, with
// the suite's variables; the suite's own keys override it and its provision steps follow.
// Each step keeps the file and line it is written at, and errors name the included file.
TEST(SuiteLoader, ABootSectionIsIncludedFromASharedFile) {
  const std::vector<fs::path> profiles = {test::source_dir() / "fixtures/machines"};
  const fs::path shared = write_suite("shared-boot",
                                      "login: true\nprovision:\n  - console.send: echo ${who}\n"
                                      "  - console.expect: 'hello (?P<name>\\w+)'\n");
  const fs::path file =
      write_suite("includes",
                  "machine: linux-mini\nvariables: { who: world }\nboot:\n"
                  "  include: shared-boot.yaml\n  login: { user: demo }\n"
                  "  provision:\n    - ssh.run: echo ${name}\n"
                  "scenarios:\n  - name: a\n    steps:\n      - ssh.run: echo ${name}\n");
  const Suite suite = load_suite(file, profiles);
  EXPECT_TRUE(suite.login);
  EXPECT_EQ(suite.login_user, "demo");
  ASSERT_EQ(suite.provision.size(), 3u);
  EXPECT_EQ(suite.provision[0].where.file, shared);
  EXPECT_EQ(suite.provision[0].where.line, 3u);
  EXPECT_EQ(suite.provision[1].captures, std::vector<std::string>{"name"});
  EXPECT_EQ(suite.provision[2].where.file, file);

  const auto error_of = [&](const std::string& name, const std::string& shared_text,
                            const std::string& include) {
    write_suite(name + "-shared", shared_text);
    const fs::path suite_file =
        write_suite(name, "machine: linux-mini\nboot:\n  include: " + include +
                              "\nscenarios:\n  - name: a\n    steps: [ssh.run: x]\n");
    try {
      load_suite(suite_file, profiles);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("loaded without an error");
  };
  const fs::path dir = shared.parent_path();
  EXPECT_THAT(error_of("inc-missing", "login: true\n", "no-such.yaml"),
              HasSubstr("inc-missing.yaml:3:12: no such file to include: " +
                        (dir / "no-such.yaml").string()));
  EXPECT_THAT(error_of("inc-bad-step", "provision:\n  - ssh.rnu: x\n", "inc-bad-step-shared.yaml"),
              HasSubstr((dir / "inc-bad-step-shared.yaml").string() + ":2:5: unknown step"));
  EXPECT_THAT(error_of("inc-nested", "include: other.yaml\n", "inc-nested-shared.yaml"),
              HasSubstr(":1:1: unknown key 'include' in an included boot section"));
  EXPECT_THAT(error_of("inc-list", "- login\n", "inc-list-shared.yaml"),
              HasSubstr(":1:1: expected a boot section to include"));
}

// The Hurd suites and the project example a user copies stay loadable (ci/test also runs
// `hurdle validate` on them, which checks the image lock too): each shares the provisioning.
TEST(SuiteLoader, TheHurdSuitesAndTheProjectExampleLoad) {
  const fs::path hurd = test::source_dir() / "scenarios/hurd";
  int suites = 0;
  for (const auto& entry : fs::directory_iterator(hurd)) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() != ".yaml" && name != "project.yaml.example") continue;
    SCOPED_TRACE(name);
    const Suite suite = load_suite(entry.path());
    EXPECT_EQ(suite.machine.filename(), "hurd-amd64.yaml");
    EXPECT_TRUE(suite.login);
    ASSERT_GE(suite.provision.size(), 3u);
    EXPECT_NE(suite.provision[0].as<ConsoleRun>(), nullptr);
    for (const auto& sc : suite.scenarios) EXPECT_FALSE(sc.description.empty()) << sc.name;
    ++suites;
  }
  EXPECT_EQ(suites, 8);  // smoke, translators, filesystem, processes, network, packages,
                         // shutdown, and the example
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

// A profile whose only file exists (the kernel is the profile itself: validation opens nothing).
// Written under a temporary name and renamed: CTest runs these tests in parallel processes,
// which must never see the file half-written.
fs::path tiny_profile() {
  const fs::path dir = test::scratch_folder() / "suites";
  fs::create_directories(dir);
  const fs::path tmp = dir / ("tiny.yaml." + std::to_string(::getpid()));
  std::ofstream(tmp) << "name: tiny\nmemory: 64M\nboot:\n  kernel: tiny.yaml\n";
  fs::rename(tmp, dir / "tiny.yaml");
  return dir / "tiny.yaml";
}

TEST(HurdleValidate, ExitsTwoOnABadSuiteAndZeroOnAGoodOne) {
  std::string err;
  const fs::path good =
      write_suite("cli-good", "machine: " + tiny_profile().string() + "\nscenarios:\n" +
                                  "  - name: a\n    steps: [ssh.run: x]\n");
  EXPECT_EQ(run_validate({good.string()}, err), 0) << err;
  const fs::path bad = write_suite(
      "cli-bad", "machine: " + tiny_profile().string() + "\nscenarios:\n" + kBadSuites[1].body);
  err.clear();
  EXPECT_EQ(run_validate({bad.string()}, err), 2);
  EXPECT_THAT(err, HasSubstr(bad.string() + ":5:9: unknown step 'ssh.runn'"));
}

// A file that is not a suite (a shadow file, by mistake) is bad input naming the file and what
// was expected, and none of its content reaches the terminal.
TEST(HurdleValidate, AFileThatIsNoSuiteIsNamedNotQuoted) {
  const fs::path shadow = write_suite("cli-shadow",
                                      "root:$y$j9T$SECRETHASHSECRETHASH:19000:0:99999:7:::\n"
                                      "daemon:*:19000:0:99999:7:::\n");
  std::string err;
  EXPECT_EQ(run_validate({shadow.string()}, err), 2);
  EXPECT_THAT(err,
              HasSubstr(shadow.string() + ":1:1: unknown key (not shown: not a name) in a suite"));
  EXPECT_THAT(err, Not(HasSubstr("SECRETHASH")));
  EXPECT_THAT(err, Not(HasSubstr("19000")));
}

// Every malformed suite of the table through the program: exit 2, and each one's own
// file:line:column and expectation on stderr.
TEST(HurdleValidate, EveryMalformedSuiteIsExitTwoNamingItsLine) {
  std::vector<std::string> files;
  int n = 0;
  for (const auto& bad : kBadSuites) {
    const std::string head = "machine: " + tiny_profile().string() + "\nscenarios:\n";
    files.push_back(write_suite("cli-" + std::to_string(n++), head + bad.body).string());
  }
  std::string err;
  EXPECT_EQ(run_validate(files, err), 2);
  n = 0;
  for (const auto& bad : kBadSuites)
    EXPECT_THAT(err, HasSubstr(files[static_cast<std::size_t>(n++)] + bad.expected)) << bad.what;
}

// The machine is checked as the run would use it: a profile that names a missing kernel, and a
// `machine:` that is no profile, are bad input now, not a machine that does not boot later.
TEST(HurdleValidate, TheMachineProfileIsCheckedWithTheFilesItNames) {
  const fs::path dir = tiny_profile().parent_path();
  std::ofstream(dir / "no-kernel.yaml")
      << "name: no-kernel\nmemory: 64M\nboot:\n  kernel: /no/such/vmlinuz\n";
  const fs::path missing =
      write_suite("cli-no-kernel",
                  "machine: ./no-kernel.yaml\nscenarios:\n  - name: a\n    steps: [ssh.run: x]\n");
  std::string err;
  EXPECT_EQ(run_validate({missing.string()}, err), 2);
  EXPECT_THAT(err, HasSubstr((dir / "no-kernel.yaml").string() +
                             ":4:11: no such kernel: /no/such/vmlinuz"));
  (void)write_suite("cli-suite-as-profile",
                    "machine: " + tiny_profile().string() +
                        "\nscenarios:\n  - name: a\n    steps: [ssh.run: x]\n");
  const fs::path not_profile = write_suite(
      "cli-not-profile",
      "machine: ./cli-suite-as-profile.yaml\nscenarios:\n  - name: a\n    steps: [ssh.run: x]\n");
  err.clear();
  EXPECT_EQ(run_validate({not_profile.string()}, err), 2);
  EXPECT_THAT(err, HasSubstr((dir / "cli-suite-as-profile.yaml").string() +
                             ":2:1: unknown key 'scenarios' in a machine profile"));
  // A file that is no YAML mapping at all (a credentials file given by mistake) is named, and
  // its contents are not copied into the message.
  std::ofstream(dir / "credentials.yaml") << "API_TOKEN=hunter2-not-for-logs\n";
  const fs::path credentials = write_suite(
      "cli-credentials",
      "machine: ./credentials.yaml\nscenarios:\n  - name: a\n    steps: [ssh.run: x]\n");
  err.clear();
  EXPECT_EQ(run_validate({credentials.string()}, err), 2);
  EXPECT_THAT(err, HasSubstr("credentials.yaml:1:1: expected a machine profile (a mapping), "
                             "found a text of 30 characters"));
  EXPECT_EQ(err.find("hunter2"), std::string::npos) << err;
}

TEST(SuiteLoader, AfterNamesAnyEarlierScenarioAndResetTakesThreeModes) {
  const fs::path file =
      write_suite("after",
                  "machine: linux-mini\ndefaults:\n  reset: clone\nscenarios:\n"
                  "  - name: writes\n    steps: [ssh.run: x]\n"
                  "  - name: other\n    steps: [ssh.run: x]\n"
                  "  - name: reads\n    after: writes\n    steps: [ssh.run: x]\n");
  const Suite s = load_suite(file, {test::source_dir() / "fixtures/machines"});
  EXPECT_EQ(s.reset, Suite::Reset::kClone);
  EXPECT_EQ(s.scenarios[2].isolation, Isolation::kChained);
  EXPECT_EQ(s.scenarios[2].after, 0u);
  EXPECT_EQ(s.scenarios[1].after, std::nullopt);
}

}  // namespace
}  // namespace hurdle
