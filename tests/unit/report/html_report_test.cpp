// The HTML page of a report: every figure and failure on one self-contained page, guest text
// escaped (it can never become markup), attachments linked relative to the page when they
// are there and named as text when not, and the console's last lines read from the tail file.
#include "report/html_report.hpp"
#include "support/scratch_folder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(HtmlReport, FailuresWithStepsImportsConsoleAndAttachmentsGuestTextEscaped) {
  const fs::path dir = test::scratch_folder() / "html-report";
  fs::remove_all(dir);
  fs::create_directories(dir / "run" / "suite" / "broken");
  std::ofstream(dir / "run" / "suite" / "broken" / "console-tail.txt")
      << "login: root\n<script>alert('guest')</script>\n# ";

  RunReport report;
  ReportSuite s;
  s.name = "suite";
  s.boot_seconds = 3.5;
  s.properties = {{"qemu.version", "7.2.22"}};
  ReportCase ok;
  ok.name = "fine";
  ok.seconds = 1;
  s.cases.push_back(ok);
  ReportCase broken;
  broken.name = "broken";
  broken.status = Verdict::kFailed;
  broken.type = "StepFailed";
  broken.file = "suite.yaml";
  broken.line = 12;
  broken.message = "suite.yaml:14:9: expected \"GNU\", got \"<img src=x onerror=alert(1)>\"";
  broken.step_log = "[FAILED] 0.20 s  suite.yaml:14:9  ssh.run `uname -s`\n";
  broken.attachments = {dir / "run" / "suite" / "broken" / "console-tail.txt",
                        dir / "elsewhere" / "gone.png"};
  ReportCase imported;
  imported.name = "t/overflow";
  imported.status = Verdict::kFailed;
  imported.message = "FAIL";
  broken.imported = {imported};
  s.cases.push_back(broken);
  ReportCase flaky;
  flaky.name = "wobbly";
  flaky.status = Verdict::kFlaky;
  flaky.attempts = 2;
  s.cases.push_back(flaky);
  report.suites.push_back(s);

  const std::string page = html_report(report, dir / "report.html");
  EXPECT_THAT(page, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(page, Not(HasSubstr("<script")));  // no script of ours, none of the guest's
  EXPECT_THAT(page, Not(HasSubstr("<link")));    // nothing fetched from anywhere
  EXPECT_THAT(page, Not(HasSubstr("<img")));
  EXPECT_THAT(page, HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(&#39;guest&#39;)&lt;/script&gt;"));
  EXPECT_THAT(page, HasSubstr("<span class=\"passed\">2 passed</span>"));
  EXPECT_THAT(page, HasSubstr("<span class=\"flaky\">1 flaky</span>"));
  EXPECT_THAT(page, HasSubstr("<span class=\"failed\">1 failed</span>"));
  EXPECT_THAT(page, HasSubstr("flaky (passed on attempt 2)"));
  EXPECT_THAT(page, HasSubstr("suite.yaml:12 · StepFailed"));
  EXPECT_THAT(page, HasSubstr("<td>t/overflow</td><td class=\"status failed\">failed</td>"));
  EXPECT_THAT(page,
              HasSubstr("<a href=\"run/suite/broken/console-tail.txt\">console-tail.txt</a>"));
  EXPECT_THAT(page,
              HasSubstr("<span class=\"missing\">" + (dir / "elsewhere" / "gone.png").string()));
  EXPECT_THAT(page, HasSubstr("<a href=\"#case-suite-1\">broken</a>"));
  EXPECT_THAT(page, HasSubstr("id=\"case-suite-1\""));
  EXPECT_THAT(page, HasSubstr("qemu.version 7.2.22"));
}

}  // namespace
}  // namespace hurdle
