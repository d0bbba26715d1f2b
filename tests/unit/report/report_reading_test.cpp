// Reports read back (JUnit XML, hurdle's and a lone <testsuite> as other tools write it),
// merged (suites joined, cases once, a case two inputs hold made an error naming both) and
// summarised as Markdown that no guest text can turn into markup.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "core/error.hpp"
#include "report/html_report.hpp"
#include "report/junit_reader.hpp"
#include "report/junit_writer.hpp"
#include "report/markdown_summary.hpp"
#include "report/report_merge.hpp"
#include "support/scratch_folder.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path write_text(const std::string& name, const std::string& text) {
  const fs::path dir = test::scratch_folder() / "reports";
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

ReportCase scenario(const std::string& name, Verdict status) {
  ReportCase c;
  c.name = name;
  c.status = status;
  c.seconds = 1.5;
  c.file = "suite.yaml";
  c.line = 7;
  if (status == Verdict::kFailed || status == Verdict::kError) {
    c.message = "suite.yaml:9:9: ssh.run `x`: expected \"a\", got \"b\"";
    c.type = "StepFailed";
    c.details = "the longer story";
  }
  c.step_log = "[ok]     0.10 s  suite.yaml:8:9  ssh.run `true`\n";
  c.attachments = {"reports/run/suite/" + name + "/console.txt"};
  return c;
}

RunReport sample_report() {
  RunReport r;
  r.hostname = "builder";
  ReportSuite s;
  s.name = "suite";
  s.timestamp = "2026-11-30T10:00:00";
  s.properties = {{"hurdle.version", "0.1.0"}, {"accelerator", "kvm"}};
  s.boot_seconds = 12.25;
  s.cases.push_back(scenario("passes", Verdict::kPassed));
  ReportCase flaky = scenario("flaky", Verdict::kFlaky);
  flaky.attempts = 2;
  s.cases.push_back(flaky);
  ReportCase failing = scenario("fails", Verdict::kFailed);
  ReportCase imported_pass = scenario("t1", Verdict::kPassed);
  imported_pass.attachments.clear();
  ReportCase imported_fail = scenario("t2", Verdict::kFailed);
  imported_fail.attachments.clear();
  imported_fail.step_log.clear();
  failing.imported = {imported_pass, imported_fail};
  s.cases.push_back(failing);
  s.cases.push_back(scenario("errs", Verdict::kError));
  ReportCase skipped = scenario("skipped", Verdict::kSkipped);
  skipped.message = "not run: --fail-fast";
  s.cases.push_back(skipped);
  r.suites.push_back(s);
  return r;
}

// What hurdle writes, it reads back the same: written again, the file is identical.
TEST(JUnitReader, HurdlesReportRoundTrips) {
  const fs::path first = write_text("first.xml", "");
  write_junit(sample_report(), first);
  const RunReport read = read_junit(first);
  ASSERT_EQ(read.suites.size(), 1u);
  const ReportSuite& s = read.suites[0];
  EXPECT_DOUBLE_EQ(s.boot_seconds, 12.25);
  ASSERT_EQ(s.cases.size(), 5u);
  EXPECT_EQ(s.cases[1].status, Verdict::kFlaky);
  EXPECT_EQ(s.cases[1].attempts, 2);
  ASSERT_EQ(s.cases[2].imported.size(), 2u);
  EXPECT_EQ(s.cases[2].imported[1].status, Verdict::kFailed);
  EXPECT_EQ(s.cases[0].attachments.size(), 1u);
  const fs::path second = write_text("second.xml", "");
  write_junit(read, second);
  EXPECT_EQ(test::read_file(second), test::read_file(first));
}

TEST(JUnitReader, ALoneTestsuiteAsOtherToolsWriteIt) {
  const fs::path file = write_text(
      "pytest.xml",
      "<?xml version=\"1.0\"?>\n<testsuite name=\"pytest\" tests=\"2\">\n"
      "  <testcase classname=\"tests.test_a\" name=\"test_ok\" time=\"0.01\"/>\n"
      "  <testcase classname=\"tests.test_a\" name=\"test_bad\" time=\"0.02\">\n"
      "    <failure message=\"assert 1 == 2\">trace</failure>\n  </testcase>\n</testsuite>\n");
  const RunReport r = read_junit(file);
  ASSERT_EQ(r.suites.size(), 1u);
  ASSERT_EQ(r.suites[0].cases.size(), 2u);
  EXPECT_EQ(r.suites[0].cases[1].status, Verdict::kFailed);
  EXPECT_EQ(r.suites[0].cases[1].details, "trace");
}

TEST(JUnitReader, WhatIsNotAReportIsNamedWithItsLine) {
  const auto error_of = [](const std::string& name, const std::string& text) {
    try {
      (void)read_junit(write_text(name, text));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of("cut.xml", "<testsuites>\n<testsuite name=\"a\">\n<testcase name=\"x\"\n"),
              HasSubstr("cut.xml:3: expected JUnit XML: "));
  EXPECT_THAT(error_of("html.xml", "<html>\n</html>\n"),
              HasSubstr("html.xml:1: expected <testsuites> or <testsuite>, found <html>"));
  EXPECT_THAT(error_of("noname.xml",
                       "<testsuites>\n<testsuite name=\"a\">\n<testcase/>\n"
                       "</testsuite></testsuites>"),
              HasSubstr("noname.xml:3: expected a testcase with a name"));
  EXPECT_THAT(error_of("time.xml",
                       "<testsuite name=\"a\">\n\n<testcase name=\"x\" time=\"soon\"/>"
                       "</testsuite>"),
              HasSubstr("time.xml:3: expected time as seconds, found 'soon'"));
  EXPECT_THAT(error_of("missing.xml", ""), HasSubstr("expected JUnit XML"));
  try {
    (void)read_junit("/nonexistent/report.xml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/report.xml: cannot read the JUnit report"));
  }
}

TEST(ReportMerge, SuitesJoinPropertiesOnceBootTimesAddUp) {
  RunReport a = sample_report();
  RunReport b = sample_report();
  b.suites[0].timestamp = "2026-11-30T09:00:00";
  b.suites[0].properties.emplace_back("accelerator", "tcg");
  for (auto& c : b.suites[0].cases) c.name += "-b";
  ReportSuite other;
  other.name = "other";
  other.cases.push_back(scenario("alone", Verdict::kPassed));
  b.suites.push_back(other);
  const RunReport m = merge_reports({{"a.xml", a}, {"b.xml", b}});
  ASSERT_EQ(m.suites.size(), 2u);
  EXPECT_EQ(m.suites[0].cases.size(), 10u);
  EXPECT_EQ(m.suites[0].cases[5].name, "passes-b");
  EXPECT_DOUBLE_EQ(m.suites[0].boot_seconds, 24.5);
  EXPECT_EQ(m.suites[0].timestamp, "2026-11-30T09:00:00");
  EXPECT_EQ(m.suites[0].properties.size(), 3u);  // kvm and tcg both kept, the version once
  EXPECT_EQ(m.suites[1].name, "other");
}

TEST(ReportMerge, ACaseTwoInputsHoldIsKeptOnceAsAnErrorNamingBoth) {
  RunReport a = sample_report();
  RunReport b;
  b.suites.push_back(a.suites[0]);
  b.suites[0].cases = {scenario("passes", Verdict::kFailed)};
  const RunReport m = merge_reports({{"shard-0.xml", a}, {"shard-1.xml", b}});
  ASSERT_EQ(m.suites[0].cases.size(), 5u);
  const ReportCase& c = m.suites[0].cases[0];
  EXPECT_EQ(c.status, Verdict::kError);
  EXPECT_EQ(c.type, "DuplicateTestCase");
  EXPECT_THAT(c.message, HasSubstr("suite.passes was reported by two inputs: shard-0.xml "
                                   "(passed) and shard-1.xml (failed)"));
  // A scenario run twice in one input (--repeat) is not a conflict.
  RunReport repeated = sample_report();
  repeated.suites[0].cases.push_back(repeated.suites[0].cases[0]);
  const RunReport once = merge_reports({{"repeat.xml", repeated}});
  EXPECT_EQ(once.suites[0].cases.size(), 6u);
  EXPECT_EQ(once.suites[0].cases[5].status, Verdict::kPassed);
}

TEST(MarkdownSummary, TotalsTablesAndWhatDidNotPass) {
  const std::string md = markdown_summary(sample_report());
  EXPECT_THAT(md, HasSubstr("## hurdle: 2 passed (1 flaky), 1 failed, 1 error(s), 1 skipped of "
                            "5 scenario(s) in 19.8 s\n"));
  EXPECT_THAT(md, HasSubstr("Imported project tests: 1 passed, 1 failed, 0 error(s), 0 skipped "
                            "of 2."));
  EXPECT_THAT(md, HasSubstr("| suite | 2 | 1 | 1 | 1 | 12.2 s | 19.8 s |\n"));
  EXPECT_THAT(md, HasSubstr("**FAIL** suite.fails (suite.yaml:7), StepFailed\n"));
  EXPECT_THAT(md, HasSubstr("1 of its 2 imported test(s) failed: t2\n"));
  EXPECT_THAT(md, HasSubstr("**FLAKY** suite.flaky (suite.yaml:7), 2 attempts"));
  EXPECT_EQ(md.find("suite.passes"), std::string::npos);
}

// A guest's text in a message (backticks, HTML, table bars) stays text: it is fenced with more
// backticks than it holds, and a name in the table is escaped.
TEST(MarkdownSummary, GuestTextCannotBecomeMarkup) {
  RunReport r = sample_report();
  r.suites[0].cases[2].message = "``` closed? <script>alert(1)</script> | \x1b[31mred";
  r.suites[0].name = "a|b<i>";
  const std::string md = markdown_summary(r);
  EXPECT_THAT(md,
              HasSubstr("````text\n``` closed? <script>alert(1)</script> | \xe2\x90\x9b[31mred\n"
                        "````\n"));
  EXPECT_THAT(md, HasSubstr("| a\\|b&lt;i&gt; |"));
  EXPECT_EQ(md.find('\x1b'), std::string::npos);
}

// One rule for what a person must look at, in every report: a case of each verdict, and a
// passed one whose imported tests failed; the Markdown summary and the HTML page list the same.
TEST(NotPassed, TheMarkdownSummaryAndTheHtmlPageListTheSameCases) {
  RunReport r;
  ReportSuite s;
  s.name = "s";
  for (const Verdict v :
       {Verdict::kPassed, Verdict::kFlaky, Verdict::kFailed, Verdict::kError, Verdict::kSkipped}) {
    ReportCase c;
    c.name = std::string("case-") + to_string(v);
    c.status = v;
    s.cases.push_back(c);
  }
  ReportCase imports;
  imports.name = "case-imports";
  ReportCase bad;
  bad.name = "t1";
  bad.status = Verdict::kFailed;
  imports.imported.push_back(bad);
  s.cases.push_back(imports);
  r.suites.push_back(s);
  const std::string md = markdown_summary(r);
  const fs::path page = write_text("same-cases.html", "");
  const std::string html = html_report(r, page);
  std::vector<std::string> in_md;
  std::vector<std::string> in_html;
  for (const auto& c : s.cases) {
    if (md.find("** s." + c.name) != std::string::npos) in_md.push_back(c.name);
    if (html.find("<h3>s." + c.name + " ") != std::string::npos) in_html.push_back(c.name);
  }
  const std::vector<std::string> expected = {"case-flaky", "case-failed", "case-error",
                                             "case-imports"};
  EXPECT_EQ(in_md, expected) << md;
  EXPECT_EQ(in_html, expected) << html;
  EXPECT_THAT(html, HasSubstr("<a href=\"#case-s-5\">case-imports</a>"));
}

}  // namespace
}  // namespace hurdle

namespace hurdle {
namespace {

// A report with what the history and the expectations said.
RunReport judged_report() {
  RunReport r = sample_report();
  ReportSuite& s = r.suites[0];
  s.cases[2].history = CaseHistory{"still failing", "run 3 of 2026-12-01 (commit abc)", 4, 0.0, 4};
  s.cases[3].history = CaseHistory{"new failure", "run 7 of 2026-12-07", 1, 0.25, 5};
  s.cases[1].history = CaseHistory{"flaky", "", 0, 0.5, 9};
  s.cases[0].expectation =
      CaseExpectation{"fails", "XPASS", "BUG-1", "", "hurdle-expectations.yaml:3", ""};
  s.cases[2].imported[1].expectation = CaseExpectation{
      "fails", "known failure", "BUG-2", "not yet", "hurdle-expectations.yaml:7", "failed"};
  s.properties.emplace_back("history.gone", "suite.removed");
  s.properties.emplace_back("expectations.stale", "hurdle-expectations.yaml:11: suite.old*");
  return r;
}

TEST(JUnitReader, WhatTheHistoryAndTheExpectationsSaidRoundTrips) {
  const fs::path first = write_text("judged-1.xml", "");
  write_junit(judged_report(), first);
  const RunReport back = read_junit(first);
  const ReportCase& failing = back.suites[0].cases[2];
  ASSERT_TRUE(failing.history);
  EXPECT_EQ(failing.history->verdict, "still failing");
  EXPECT_EQ(failing.history->failing_runs, 4);
  ASSERT_TRUE(failing.imported[1].expectation);
  EXPECT_EQ(failing.imported[1].expectation->status_before, "failed");
  EXPECT_EQ(back.suites[0].cases[0].expectation->outcome, "XPASS");
  const fs::path second = write_text("judged-2.xml", "");
  write_junit(back, second);
  EXPECT_EQ(test::read_file(second), test::read_file(first));
}

TEST(MarkdownSummary, NewFailuresComeFirstWithSinceWhenAndTheFindings) {
  const std::string md = markdown_summary(judged_report());
  // The new failure (errs) first, then the flaky one, then the one still failing.
  const auto new_failure = md.find("**ERROR** suite.errs");
  const auto flaky = md.find("**FLAKY** suite.flaky");
  const auto still = md.find("**FAIL** suite.fails");
  ASSERT_NE(new_failure, std::string::npos) << md;
  EXPECT_LT(new_failure, flaky);
  EXPECT_LT(flaky, still);
  EXPECT_THAT(md, HasSubstr("**still failing** since run 3 of 2026-12-01 (commit abc) (4 runs)"));
  EXPECT_THAT(
      md,
      HasSubstr("**new failure** since run 7 of 2026-12-07 (1 run), flake rate 0.25 over 5 runs"));
  EXPECT_THAT(md, HasSubstr("**History:** 1 new failure, 1 still failing, 1 flaky, 1 gone"));
  EXPECT_THAT(md, HasSubstr("- gone: suite.removed"));
  EXPECT_THAT(md, HasSubstr("suite.passes (BUG-1): expected to fail, passed; remove "
                            "hurdle-expectations.yaml:3"));
  EXPECT_THAT(md, HasSubstr("suite.fails.t2 (BUG-2): known failure"));
  EXPECT_THAT(md, HasSubstr("- hurdle-expectations.yaml:11: suite.old\\*"));
  const std::string html = html_report(judged_report(), "report.html");
  EXPECT_LT(html.find("id=\"case-suite-3\""), html.find("id=\"case-suite-2\""));
  EXPECT_THAT(html, HasSubstr("<ul id=\"gone\">\n<li>suite.removed</li>"));
}

}  // namespace
}  // namespace hurdle
