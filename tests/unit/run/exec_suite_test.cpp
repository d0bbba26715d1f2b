// `hurdle exec`'s generated suite: it loads as an ordinary suite (the steps in their order,
// --prepare as provisioning, collecting steps `always`), the command line it runs keeps every
// argument and --env value exactly as given when a real shell runs it, and bad options are
// refused naming the option and what was expected.
#include "run/exec_suite.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "config/variables.hpp"
#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "suite/suite_loader.hpp"
#include "support/hurdle_command.hpp"
#include "support/paths.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Suite load_exec_suite(const ExecRequest& request, const fs::path& dir) {
  const fs::path file = dir / "suite.yaml";
  std::ofstream(file) << exec_suite_yaml(request);
  return load_suite(file, {test::source_dir() / "fixtures/machines"});
}

std::vector<std::string> keywords(const std::vector<Step>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps) out.push_back(s.keyword);
  return out;
}

TEST(ExecSuite, LoadsAsAnOrdinarySuiteWithPrepareAsProvisioning) {
  PrivateFolder dir("exec-suite");
  ExecRequest r;
  r.machine = "linux-mini";
  r.prepare = {"echo one > /root/one", "apk add $PKG"};
  r.sync = dir.path() / "work tree";
  fs::create_directories(r.sync);
  r.copy_back = {"out/log.txt", "./build/"};
  r.results = {"tap:t/run.tap"};
  r.command = {"make", "check"};
  const Suite s = load_exec_suite(r, dir.path());
  EXPECT_EQ(s.name, kExecSuite);
  EXPECT_EQ(s.reset, Suite::Reset::kClone);
  ASSERT_EQ(s.provision.size(), 2u);
  EXPECT_EQ(s.provision[1].as<SshCommand>()->command, "apk add $$PKG");  // as written
  EXPECT_TRUE(s.provision[1].as<SshCommand>()->live);
  ASSERT_EQ(s.scenarios.size(), 1u);
  const auto& steps = s.scenarios[0].steps;
  EXPECT_EQ(s.scenarios[0].name, kExecScenario);
  EXPECT_THAT(keywords(steps),
              ElementsAre("ssh.put", "ssh.succeed", "ssh.get", "ssh.get", "results.import"));
  EXPECT_FALSE(steps[0].always);
  EXPECT_FALSE(steps[1].always);
  EXPECT_TRUE(steps[2].always);  // copied back and imported even when the command failed
  EXPECT_TRUE(steps[4].always);
  EXPECT_EQ(steps[1].timeout, std::chrono::hours(1));
  // Paths are normalised ("./build/" is "build"); what comes back lands under copy-back/ at its own
  // place.
  EXPECT_EQ(steps[3].inputs()["payload"]["remote"], (r.sync / "build").generic_string());
  EXPECT_EQ(steps[3].inputs()["payload"]["local"], "copy-back/build");
}

TEST(ExecSuite, NoPrepareNoSyncIsOneStep) {
  PrivateFolder dir("exec-suite");
  ExecRequest r;
  r.machine = "linux-mini";
  r.timeout = "90s";
  r.command = {"true"};
  const Suite s = load_exec_suite(r, dir.path());
  EXPECT_TRUE(s.provision.empty());
  ASSERT_EQ(s.scenarios.size(), 1u);
  ASSERT_EQ(s.scenarios[0].steps.size(), 1u);
  EXPECT_EQ(s.scenarios[0].steps[0].timeout, std::chrono::seconds(90));
  EXPECT_EQ(exec_command_line(r), "exec 'true'");
}

// The line the guest's shell runs, expanded as the run expands it, run by a real shell here:
// every argument arrives as given, and the --env value too (quotes, $, backquotes, a newline),
// none of it run.
TEST(ExecSuite, TheCommandLineKeepsArgumentsAndValuesExactlyThroughARealShell) {
  PrivateFolder dir("exec-suite");
  const fs::path sync = dir.path() / "a folder's $name";
  fs::create_directories(sync);
  const std::string value = "it's \"$(touch pwned)\" `touch pwned` $HOME\n\\second line";
  ASSERT_EQ(::setenv("HURDLE_EXEC_TEST_TOKEN", value.c_str(), 1), 0);
  ExecRequest r;
  r.sync = sync;
  r.env = {"HURDLE_EXEC_TEST_TOKEN"};
  r.command = {"sh",
               "-c",
               "printf '[%s]' \"$PWD\" \"$HURDLE_EXEC_TEST_TOKEN\" \"$@\"",
               "sh",
               "$HOME",
               "a'b c",
               "`touch pwned`",
               ""};
  const std::string line = expand_variables(exec_command_line(r), {}, {});
  EXPECT_THAT(secret_values_in(exec_command_line(r)), ElementsAre(value));
  const std::string said = test::program_output({"sh", "-c", line});
  EXPECT_EQ(said, "[" + sync.string() + "][" + value + "][$HOME][a'b c][`touch pwned`][]");
  EXPECT_FALSE(fs::exists(sync / "pwned"));
  ::unsetenv("HURDLE_EXEC_TEST_TOKEN");
}

struct BadRequest {
  const char* what;
  void (*change)(ExecRequest&);
  const char* expected;
};

const BadRequest kBadRequests[] = {
    {"no command", [](ExecRequest& r) { r.command.clear(); },
     "COMMAND: expected a command after --"},
    {"a relative sync folder", [](ExecRequest& r) { r.sync = "src"; },
     "--sync: expected an absolute folder, found 'src'"},
    {"a time-out that is no duration", [](ExecRequest& r) { r.timeout = "soon"; },
     "--timeout: expected a duration such as 90s, 30m or 2h, found 'soon'"},
    {"an env name with a space", [](ExecRequest& r) { r.env = {"A B"}; },
     "--env: expected a variable name (letters, digits and _), found 'A B'"},
    {"copy-back out of the folder", [](ExecRequest& r) { r.copy_back = {"../etc"}; },
     "--copy-back: expected a path inside the synced folder, relative to it, without '..', "
     "found '../etc'"},
    {"copy-back out of the folder, hidden", [](ExecRequest& r) { r.copy_back = {"a/../../b"}; },
     "found 'a/../../b'"},
    {"copy-back absolute", [](ExecRequest& r) { r.copy_back = {"/etc/passwd"}; },
     "found '/etc/passwd'"},
    {"copy-back of the whole folder", [](ExecRequest& r) { r.copy_back = {"."}; }, "found '.'"},
    {"copy-back without a synced folder",
     [](ExecRequest& r) {
       r.sync.clear();
       r.copy_back = {"log"};
     },
     "--copy-back: needs a synced folder"},
    {"results without a format", [](ExecRequest& r) { r.results = {"t.tap"}; },
     "--results: expected FORMAT:PATH (automake, tap, junit, dejagnu or glibc), found 't.tap'"},
    {"results in an unknown format", [](ExecRequest& r) { r.results = {"xml:t.xml"}; },
     "--results: expected the format automake, tap, junit, dejagnu or glibc, found 'xml'"},
    {"results out of the folder", [](ExecRequest& r) { r.results = {"junit:../x.xml"}; },
     "--results: expected a path inside the synced folder"},
};

TEST(ExecSuite, BadOptionsAreRefusedNamingTheOptionAndWhatWasExpected) {
  for (const auto& bad : kBadRequests) {
    SCOPED_TRACE(bad.what);
    ExecRequest r;
    r.sync = "/work/tree";
    r.command = {"true"};
    bad.change(r);
    try {
      (void)exec_suite_yaml(r);
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr("hurdle exec: "));
      EXPECT_THAT(e.what(), HasSubstr(bad.expected));
    }
  }
}

}  // namespace
}  // namespace hurdle
