// The JUnit and summary.json writers given the worst text a run can hold (guest bytes in
// messages, step logs, properties and names): what they write parses, and keeps every case.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "report/junit_writer.hpp"
#include "report/summary_writer.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

const std::string kHostile = "\x1b[31mred\x1b[0m \0nul \xff\xfe cut \xe6\x97 \x1b]0;title\a end"s;

RunReport hostile_report() {
  RunReport report;
  report.hostname = "host\x01";
  ReportSuite suite;
  suite.name = "suite";
  suite.timestamp = "2026-11-25T09:00:00";
  suite.properties = {{"accelerator.reason", kHostile}};
  for (const auto status :
       {Verdict::kFailed, Verdict::kError, Verdict::kSkipped, Verdict::kPassed}) {
    ReportCase c;
    c.name = "case-" + std::to_string(suite.cases.size());
    c.status = status;
    c.message = "expected x, got " + kHostile;
    c.type = "StepFailed";
    c.details = kHostile + "\n" + kHostile;
    c.step_log = "[FAILED] " + kHostile + "\n";
    c.file = "suite.yaml";
    c.line = 3;
    suite.cases.push_back(c);
  }
  report.suites.push_back(suite);
  return report;
}

TEST(JUnitWriter, GuestBytesGiveAWellFormedDocumentWithEveryCase) {
  const fs::path file = fs::temp_directory_path() / "hurdle-junit-hostile.xml";
  write_junit(hostile_report(), file);
  const std::string xml = test::read_file(file);
  // XML 1.0 forbids these characters, even as references; pugixml would write "&#27;".
  EXPECT_EQ(xml.find("&#27;"), std::string::npos);
  EXPECT_EQ(xml.find("&#0;"), std::string::npos);
  for (const char c : xml) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 || c == '\n' || c == '\t') << "control byte " << int(u);
  }
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  const auto failure = doc.select_node("//testcase[@name='case-0']/failure").node();
  // Nothing after the NUL is lost, and each byte that is not UTF-8 is marked.
  EXPECT_STREQ(failure.attribute("message").value(),
               "expected x, got ␛[31mred␛[0m ␀nul �� cut �� ␛]0;title␇ end");
  EXPECT_EQ(doc.child("testsuites").attribute("tests").as_int(), 4);
  fs::remove(file);
}

TEST(SummaryWriter, GuestBytesGiveJsonThatParsesWithEveryCase) {
  const fs::path file = fs::temp_directory_path() / "hurdle-summary-hostile.json";
  write_summary_json(hostile_report(), 1, file);
  const auto summary = nlohmann::json::parse(test::read_file(file));
  EXPECT_EQ(summary["totals"]["scenarios"], 4);
  EXPECT_EQ(summary["totals"]["failed"], 1);
  EXPECT_EQ(summary["suites"][0]["scenarios"][0]["message"],
            "expected x, got ␛[31mred␛[0m ␀nul �� cut �� ␛]0;title␇ end");
  fs::remove(file);
}

}  // namespace
}  // namespace hurdle
