#include "report/junit_reader.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

// The line of byte `offset` in `text`, counted from 1.
std::size_t line_at(const std::string& text, std::ptrdiff_t offset) {
  const auto end = text.begin() +
                   std::clamp<std::ptrdiff_t>(offset, 0, static_cast<std::ptrdiff_t>(text.size()));
  return 1 + static_cast<std::size_t>(std::count(text.begin(), end, '\n'));
}

struct Reader {
  fs::path file;
  std::string text;

  [[noreturn]] void fail(const pugi::xml_node& node, const std::string& problem) const {
    throw ConfigError({file, line_at(text, node.offset_debug()), 0}, problem);
  }

  double seconds(const pugi::xml_node& node) const {
    const pugi::xml_attribute a = node.attribute("time");
    if (!a) return 0;
    char* end = nullptr;
    const double s = std::strtod(a.value(), &end);
    if (end == a.value() || *end != '\0' || !(s >= 0) || s > 1e9)
      fail(node, std::string("expected time as seconds, found '") + a.value() + "'");
    return s;
  }

  ReportCase test_case(const pugi::xml_node& node) const {
    ReportCase c;
    c.name = node.attribute("name").value();
    if (c.name.empty()) fail(node, "expected a testcase with a name");
    c.seconds = seconds(node);
    c.file = node.attribute("file").value();
    c.line = node.attribute("line").as_ullong(0);
    const auto problem = [&](const char* element, Verdict status) {
      const pugi::xml_node f = node.child(element);
      if (!f) return false;
      c.status = status;
      c.message = f.attribute("message").value();
      c.type = f.attribute("type").value();
      const std::string details = f.text().get();
      if (details != c.message) c.details = details;
      return true;
    };
    if (!problem("failure", Verdict::kFailed) && !problem("error", Verdict::kError)) {
      if (const pugi::xml_node s = node.child("skipped")) {
        c.status = Verdict::kSkipped;
        c.message = s.attribute("message").value();
      }
    }
    for (const pugi::xml_node p : node.child("properties").children("property")) {
      const std::string name = p.attribute("name").value();
      const std::string value = p.attribute("value").value();
      if (name == "attempts") c.attempts = p.attribute("value").as_int(1);
      if (name.rfind("history.", 0) == 0) {
        if (!c.history) c.history.emplace();
        if (name == "history.verdict") c.history->verdict = value;
        if (name == "history.failing_since") c.history->failing_since = value;
        if (name == "history.failing_runs") c.history->failing_runs = p.attribute("value").as_int();
        if (name == "history.flake_rate") c.history->flake_rate = p.attribute("value").as_double();
        if (name == "history.judged_runs") c.history->judged_runs = p.attribute("value").as_int();
      }
      if (name.rfind("expectation", 0) == 0) {
        if (!c.expectation) c.expectation.emplace();
        if (name == "expectation") c.expectation->kind = value;
        if (name == "expectation.outcome") c.expectation->outcome = value;
        if (name == "expectation.bug") c.expectation->bug = value;
        if (name == "expectation.reason") c.expectation->reason = value;
        if (name == "expectation.where") c.expectation->where = value;
        if (name == "expectation.status_before") c.expectation->status_before = value;
      }
      if (name == "flaky" && std::string(p.attribute("value").value()) == "true" &&
          c.status == Verdict::kPassed)
        c.status = Verdict::kFlaky;
    }
    // system-out: the step log, and one [[ATTACHMENT|path]] line per file.
    std::istringstream out(node.child("system-out").text().get());
    for (std::string line; std::getline(out, line);) {
      constexpr std::string_view kOpen = "[[ATTACHMENT|";
      if (line.rfind(kOpen, 0) == 0 && line.size() > kOpen.size() + 2 &&
          line.compare(line.size() - 2, 2, "]]") == 0) {
        c.attachments.emplace_back(line.substr(kOpen.size(), line.size() - kOpen.size() - 2));
      } else {
        c.step_log += line + "\n";
      }
    }
    return c;
  }

  ReportSuite suite(const pugi::xml_node& node, RunReport& report) const {
    ReportSuite s;
    s.name = node.attribute("name").value();
    if (s.name.empty()) fail(node, "expected a testsuite with a name");
    s.timestamp = node.attribute("timestamp").value();
    if (report.hostname.empty()) report.hostname = node.attribute("hostname").value();
    for (const pugi::xml_node p : node.child("properties").children("property")) {
      const std::string name = p.attribute("name").value();
      const std::string value = p.attribute("value").value();
      if (name == "boot.seconds") {
        s.boot_seconds = std::strtod(value.c_str(), nullptr);
        continue;  // written again from boot_seconds
      }
      s.properties.emplace_back(name, value);
    }
    for (const pugi::xml_node t : node.children("testcase")) {
      ReportCase c = test_case(t);
      const std::string classname = t.attribute("classname").value();
      // SUITE.SCENARIO: a test the scenario imported, nested under it as hurdle wrote it.
      const std::string prefix = s.name + ".";
      if (classname.rfind(prefix, 0) == 0) {
        const std::string scenario = classname.substr(prefix.size());
        auto owner = std::find_if(s.cases.rbegin(), s.cases.rend(),
                                  [&](const ReportCase& o) { return o.name == scenario; });
        if (owner != s.cases.rend()) {
          owner->imported.push_back(std::move(c));
          continue;
        }
      }
      s.cases.push_back(std::move(c));
    }
    return s;
  }
};

}  // namespace

RunReport read_junit(const fs::path& file) {
  Reader r;
  r.file = file;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError({file, 0, 0}, "cannot read the JUnit report: no such file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  r.text = buffer.str();
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(r.text.data(), r.text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    throw ConfigError({file, line_at(r.text, parsed.offset), 0},
                      std::string("expected JUnit XML: ") + parsed.description());
  }
  RunReport report;
  const pugi::xml_node root = doc.document_element();
  if (std::string(root.name()) == "testsuite") {
    report.suites.push_back(r.suite(root, report));
  } else if (std::string(root.name()) == "testsuites") {
    for (const pugi::xml_node s : root.children("testsuite"))
      report.suites.push_back(r.suite(s, report));
  } else {
    r.fail(root, std::string("expected <testsuites> or <testsuite>, found <") + root.name() + ">");
  }
  return report;
}

}  // namespace hurdle
