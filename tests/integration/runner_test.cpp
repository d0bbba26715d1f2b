// `hurdle run` as a user runs it, against the offline guests under TCG: exit statuses, the
// rollback of a failed scenario, the panic watcher failing a scenario fast, and the JUnit XML
// it leaves (read back with pugixml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <pugixml.hpp>

#include <fstream>

#include "core/boost_process.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct RunOutcome {
  int status = -1;
  std::string out;
  fs::path junit;
  fs::path reports;
};

RunOutcome hurdle_run(const std::string& name, const std::vector<std::string>& suites) {
  namespace bp = boost::process::v2;
  RunOutcome run;
  const fs::path dir =
      fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / ("run-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  run.junit = dir / "junit.xml";
  run.reports = dir / "reports";
  ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
  std::vector<std::string> args = {
      "run", "--accel", "tcg", "--junit", run.junit.string(), "--report-dir", run.reports.string()};
  for (const auto& s : suites) args.push_back((test::source_dir() / s).string());
  boost::asio::io_context ctx;
  boost::asio::readable_pipe out(ctx);
  bp::process p(ctx, test::hurdle_program().string(), args, bp::process_stdio{nullptr, out, out});
  boost::system::error_code ec;
  boost::asio::read(out, boost::asio::dynamic_buffer(run.out), ec);
  run.status = p.wait();
  return run;
}

// xmllint's verdict on `xml` against the JUnit schema shipped in tests/data.
int xmllint_status(const fs::path& xml) {
  namespace bp = boost::process::v2;
  boost::asio::io_context ctx;
  bp::process p(
      ctx, bp::environment::find_executable("xmllint"),
      {"--noout", "--schema", (test::source_dir() / "tests/data/junit.xsd").string(), xml.string()},
      bp::process_stdio{nullptr, nullptr, nullptr});
  return p.wait();
}

pugi::xml_node testcase(const pugi::xml_document& doc, const char* suite, const char* name) {
  return doc
      .select_node(
          (std::string("//testsuite[@name='") + suite + "']/testcase[@name='" + name + "']")
              .c_str())
      .node();
}

TEST(HurdleRun, TheExampleSuitePassesAndLeavesReports) {
  const RunOutcome run = hurdle_run("example", {"scenarios/examples/linux-mini.yaml"});
  EXPECT_EQ(run.status, 0) << run.out;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str())) << run.out;
  EXPECT_EQ(xmllint_status(run.junit), 0);
  EXPECT_EQ(doc.child("testsuites").attribute("tests").as_int(), 6);
  const auto props = doc.select_node("//testsuite[@name='linux-mini']/properties").node();
  EXPECT_TRUE(props.find_child_by_attribute("property", "name", "qemu.version"));
  EXPECT_STREQ(
      props.find_child_by_attribute("property", "name", "accelerator").attribute("value").value(),
      "tcg");
  EXPECT_EQ(doc.child("testsuites").attribute("failures").as_int(), 0);
  EXPECT_THAT(run.out, HasSubstr("hurdle: reports in " + run.reports.string()));
  // steps.json per scenario, in reports/<run>/<suite>/<scenario>/.
  bool found = false;
  for (const auto& entry : fs::recursive_directory_iterator(run.reports))
    found = found || entry.path().filename() == "steps.json";
  EXPECT_TRUE(found);
}

TEST(HurdleRun, AFailedScenarioIsRolledBackAndThePanicWatcherFailsFast) {
  const RunOutcome run = hurdle_run(
      "failing", {"tests/data/suites/gnumach-panic.yaml", "tests/data/suites/rollback.yaml"});
  EXPECT_EQ(run.status, 1) << run.out;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(run.junit.c_str())) << run.out;
  EXPECT_EQ(xmllint_status(run.junit), 0);
  EXPECT_FALSE(testcase(doc, "gnumach-panic", "panics-as-expected").child("failure"));
  const auto login = testcase(doc, "gnumach-panic", "waits-for-login-in-vain");
  ASSERT_TRUE(login.child("failure")) << run.out;
  EXPECT_THAT(login.child("failure").attribute("message").value(),
              HasSubstr("panic ../kern/bootstrap.c:181: bootstrap_create"));
  // Failed through the watcher, well before its 120 s time-out.
  EXPECT_LT(login.attribute("time").as_double(), 30.0);
  const auto dirty = testcase(doc, "rollback", "dirties-then-fails");
  EXPECT_STREQ(dirty.child("failure").attribute("type").value(), "StepFailed");
  EXPECT_THAT(dirty.child("failure").attribute("message").value(),
              HasSubstr("rollback.yaml:9:9: ssh.run `cat /root/dirty`: expected stdout "
                        "\"clean\\n\", got \"dirt\\n\""));
  // The artifacts of the failure are attached.
  EXPECT_THAT(dirty.child("system-out").text().get(), HasSubstr("screenshot.png]]"));
  EXPECT_THAT(dirty.child("system-out").text().get(), HasSubstr("console-tail.txt]]"));
  EXPECT_FALSE(testcase(doc, "rollback", "sees-no-dirt").child("failure"))
      << "the scenario after a failed one saw its /root/dirty";
}

TEST(HurdleRun, TheSchemaCheckRejectsAReportMissingRequiredParts) {
  const fs::path bad = fs::temp_directory_path() / "hurdle-bad-junit.xml";
  std::ofstream(bad) << "<testsuites tests='1' failures='0' errors='0' time='1'>"
                        "<testsuite name='s' tests='1' failures='0' errors='0' time='1'>"
                        "<testcase name='c' time='1'/></testsuite></testsuites>";
  EXPECT_NE(xmllint_status(bad), 0);  // no classname, timestamp or hostname
}

TEST(HurdleRun, AMalformedSuiteExitsTwoBeforeAnyMachineStarts) {
  const fs::path bad = fs::temp_directory_path() / "hurdle-run-bad.yaml";
  std::ofstream(bad)
      << "machine: linux-mini\nscenarios:\n  - name: a\n    steps:\n      - ssh.rnu: x\n";
  const RunOutcome run = hurdle_run("malformed", {});
  EXPECT_EQ(run.status, 2);  // no suite at all: CLI11 says the file is required
  namespace bp = boost::process::v2;
  boost::asio::io_context ctx;
  boost::asio::readable_pipe err(ctx);
  bp::process p(ctx, test::hurdle_program().string(), {"run", bad.string()},
                bp::process_stdio{nullptr, nullptr, err});
  std::string text;
  boost::system::error_code ec;
  boost::asio::read(err, boost::asio::dynamic_buffer(text), ec);
  EXPECT_EQ(p.wait(), 2);
  EXPECT_THAT(text, HasSubstr(bad.string() + ":5:9: unknown step 'ssh.rnu'"));
}

}  // namespace
}  // namespace hurdle
