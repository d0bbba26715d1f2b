// Importing a project's test results: each parser on files the real tools wrote
// (tests/data/results/make-samples.sh: automake's harness, Test::More, node --test, CTest,
// pytest, GoogleTest), malformed and truncated files (an error naming the file and line, never
// a crash), and the verdict that refuses a vacuous pass.
#include "results/result_import.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "results/automake_results.hpp"
#include "results/junit_results.hpp"
#include "results/tap_results.hpp"
#include "support/paths.hpp"
#include "support/scratch_folder.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Status = Verdict;

fs::path samples() { return test::source_dir() / "tests/data/results"; }

// name -> status, for compact expectations.
std::map<std::string, Status> by_name(const std::vector<ImportedTest>& tests) {
  std::map<std::string, Status> m;
  for (const auto& t : tests) m[t.name] = t.status;
  return m;
}

const ImportedTest& named(const std::vector<ImportedTest>& tests, const std::string& name) {
  for (const auto& t : tests)
    if (t.name == name) return t;
  throw std::runtime_error("no test named " + name);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ResultsError& e) {
    return e.what();
  }
  return "no error";
}

fs::path scratch(const std::string& name, const std::string& text) {
  const fs::path dir = test::scratch_folder() / "results";
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

TEST(AutomakeResults, EveryTrsOfAMakeCheckIsATest) {
  const auto tests = import_results(ResultFormat::kAutomake, samples() / "automake");
  EXPECT_EQ(by_name(tests), (std::map<std::string, Status>{{"fail", Status::kFailed},
                                                           {"hard-error", Status::kError},
                                                           {"numbers", Status::kFailed},
                                                           {"pass", Status::kPassed},
                                                           {"skip", Status::kSkipped},
                                                           {"xfail", Status::kPassed}}));
  EXPECT_THAT(named(tests, "fail").output, HasSubstr("expected 4, got 5"));
  EXPECT_THAT(named(tests, "xfail").message, HasSubstr("XFAIL: failed, as expected"));
  EXPECT_THAT(named(tests, "numbers").message, HasSubstr("(results: PASS, FAIL, SKIP, XFAIL)"));
  EXPECT_THAT(named(tests, "hard-error").source, HasSubstr("hard-error.trs:"));
}

TEST(AutomakeResults, TestSuiteLogAloneGivesItsSectionsAndCountsThePasses) {
  const auto tests = import_results(ResultFormat::kAutomake, samples() / "automake/test-suite.log");
  const auto log = parse_test_suite_log(test::read_file(samples() / "automake/test-suite.log"),
                                        "test-suite.log");
  EXPECT_EQ(log.total, 9);
  EXPECT_EQ(log.pass, 2);
  EXPECT_EQ(log.error, 1);
  ASSERT_EQ(log.listed.size(), 5u);
  EXPECT_EQ(log.listed[0].name, "fail");
  EXPECT_EQ(log.listed[0].output, "expected 4, got 5\nFAIL fail.sh (exit status: 1)\n");
  EXPECT_EQ(log.listed[0].source, "test-suite.log:15");
  EXPECT_EQ(by_name(log.listed)["xfail"], Status::kPassed);
  // 5 sections (one an XFAIL), and the 2 PASS + 2 XFAIL of the banner less that listed one.
  EXPECT_EQ(tests.size(), 8u);
}

TEST(AutomakeResults, MalformedFilesNameTheFileAndLine) {
  EXPECT_THAT(
      error_of([] { parse_trs(":test-result: PASS\n:test-result: MAYBE\n", "", "t", "t.trs"); }),
      HasSubstr("t.trs:2: unknown test result 'MAYBE'"));
  EXPECT_THAT(error_of([] { parse_trs("garbage\n", "", "t", "t.trs"); }),
              HasSubstr("t.trs: not an automake .trs file"));
  EXPECT_THAT(error_of([] { parse_test_suite_log("FAIL: x\n=======\n", "s.log"); }),
              HasSubstr("s.log: not an automake test-suite.log"));
  const fs::path empty = test::scratch_folder() / "empty";
  fs::create_directories(empty);
  EXPECT_THAT(error_of([&] { import_results(ResultFormat::kAutomake, empty); }),
              HasSubstr("no automake results in it"));
}

TEST(TapResults, TestMoreVersion12) {
  const auto tests = import_results(ResultFormat::kTap, samples() / "tap/test-more.tap");
  EXPECT_EQ(by_name(tests), (std::map<std::string, Status>{{"#1 parses a header", Status::kPassed},
                                                           {"#2 adds", Status::kFailed},
                                                           {"#3", Status::kSkipped},
                                                           {"#4 unicode names", Status::kPassed},
                                                           {"#5", Status::kPassed}}));
  EXPECT_THAT(named(tests, "#2 adds").output, HasSubstr("#          got: '4'"));
  EXPECT_EQ(named(tests, "#3").message, "SKIP: no locale");
  EXPECT_EQ(named(tests, "#4 unicode names").message, "TODO (expected to fail): not yet");
  EXPECT_THAT(named(tests, "#2 adds").source, HasSubstr("test-more.tap:3"));
}

TEST(TapResults, NodeVersion13WithYamlDiagnostics) {
  const auto tests = import_results(ResultFormat::kTap, samples() / "tap/node-test.tap");
  EXPECT_EQ(by_name(tests), (std::map<std::string, Status>{{"#1 passes", Status::kPassed},
                                                           {"#2 fails", Status::kFailed},
                                                           {"#3 skipped", Status::kSkipped},
                                                           {"#4 todo", Status::kPassed}}));
  EXPECT_THAT(named(tests, "#2 fails").output, HasSubstr("error: '1 == 2'"));
  EXPECT_EQ(named(tests, "#3 skipped").message, "SKIP: not on this system");
}

TEST(TapResults, ATruncatedStreamAndABailOutAreErrors) {
  const auto cut = parse_tap("1..3\nok 1 - a\nok 2 - b\n", "cut.tap");
  ASSERT_EQ(cut.size(), 3u);
  EXPECT_EQ(cut[2].name, "plan");
  EXPECT_EQ(cut[2].status, Status::kError);
  EXPECT_THAT(cut[2].message, HasSubstr("promised 3 tests, and 2 ran"));
  EXPECT_EQ(cut[2].source, "cut.tap:1");
  const auto bail = parse_tap("1..3\nok 1\nBail out! no database\n", "bail.tap");
  ASSERT_EQ(bail.size(), 2u);
  EXPECT_EQ(bail[1].status, Status::kError);
  EXPECT_EQ(bail[1].message, "bail.tap:3: Bail out! no database");
  EXPECT_THAT(error_of([] { parse_tap("hello\nworld\n", "junk.tap"); }),
              HasSubstr("junk.tap: not TAP"));
  EXPECT_THAT(error_of([] { parse_tap("1..1\nok 1\n1..1\n", "two.tap"); }),
              HasSubstr("two.tap:3: a second plan"));
  // A plan at the end, and control bytes in a description, are taken as they come.
  const auto late = parse_tap("ok 1 - \x1b[31mred\x1b[0m\nok 2\n1..2\n", "late.tap");
  EXPECT_EQ(late.size(), 2u);
}

TEST(JunitResults, CtestPytestAndGoogleTest) {
  const auto ctest = import_results(ResultFormat::kJunit, samples() / "junit/ctest.xml");
  EXPECT_EQ(by_name(ctest), (std::map<std::string, Status>{{"passes", Status::kPassed},
                                                           {"fails", Status::kFailed},
                                                           {"skipped", Status::kSkipped}}));
  const auto pytest = import_results(ResultFormat::kJunit, samples() / "junit/pytest.xml");
  EXPECT_EQ(by_name(pytest),
            (std::map<std::string, Status>{{"test_sample.test_passes", Status::kPassed},
                                           {"test_sample.test_fails", Status::kFailed},
                                           {"test_sample.test_skipped", Status::kSkipped},
                                           {"test_sample.test_error", Status::kError}}));
  EXPECT_THAT(named(pytest, "test_sample.test_fails").output, HasSubstr("assert [1, 2] == [1, 3]"));
  const auto gtest = import_results(ResultFormat::kJunit, samples() / "junit/gtest.xml");
  EXPECT_EQ(by_name(gtest), (std::map<std::string, Status>{{"Math.Adds", Status::kPassed},
                                                           {"Math.Subtracts", Status::kFailed},
                                                           {"Math.Skips", Status::kSkipped}}));
  EXPECT_THAT(named(gtest, "Math.Subtracts").output, HasSubstr("off by one"));
  // A folder: every .xml in it, each test named after its file.
  const auto all = import_results(ResultFormat::kJunit, samples() / "junit");
  EXPECT_EQ(all.size(), 10u);
  EXPECT_EQ(by_name(all)["gtest.xml: Math.Adds"], Status::kPassed);
}

TEST(JunitResults, BrokenXmlNamesTheLine) {
  const std::string whole = test::read_file(samples() / "junit/pytest.xml");
  const fs::path cut = scratch("cut.xml", whole.substr(0, whole.size() / 2));
  EXPECT_THAT(error_of([&] { import_results(ResultFormat::kJunit, cut); }),
              HasSubstr(cut.string() + ":"));
  EXPECT_THAT(error_of([] { parse_junit("<html><body/></html>", "page.xml"); }),
              HasSubstr("page.xml:1: not JUnit XML: the document is <html>"));
  EXPECT_THAT(error_of([] { parse_junit("\n\nnot xml at all", "x.xml"); }), HasSubstr("x.xml:"));
}

TEST(ImportVerdict, AFailureFailsAndAVacuousRunFailsUnlessAllowed) {
  ImportedTest pass{"a", Status::kPassed, "", "", 0, ""};
  ImportedTest skip{"b", Status::kSkipped, "SKIP", "", 0, ""};
  ImportedTest fail{"c", Status::kFailed, "FAIL", "", 0, ""};
  EXPECT_EQ(judge_import({pass, skip}, false).problem, "");
  EXPECT_EQ(judge_import({pass, fail, skip}, true).problem, "1 of 3 tests did not pass: c");
  EXPECT_THAT(judge_import({}, false).problem, HasSubstr("no test ran"));
  EXPECT_EQ(judge_import({}, true).problem, "");
  EXPECT_THAT(judge_import({skip, skip}, false).problem, HasSubstr("all 2 tests were skipped"));
  EXPECT_EQ(judge_import({skip, skip}, true).problem, "");
  const auto v = judge_import({pass, skip, fail, fail}, false);
  EXPECT_EQ(v.passed, 1);
  EXPECT_EQ(v.skipped, 1);
  EXPECT_EQ(v.failed, 2);
}

}  // namespace
}  // namespace hurdle
