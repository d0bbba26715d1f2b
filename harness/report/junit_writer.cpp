#include "report/junit_writer.hpp"

#include <cstdio>
#include <pugixml.hpp>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/safe_text.hpp"

namespace hurdle {

namespace {

// Every text goes through safe_text: guest bytes (control characters, invalid UTF-8, a NUL)
// would otherwise make a document that XML parsers reject, or cut it short.

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", s);
  return text;
}

struct Counts {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
  void add(const ReportCase& c) {
    ++tests;
    time += c.seconds;
    if (c.status == Verdict::kFailed) ++failures;
    if (c.status == Verdict::kError) ++errors;
    if (c.status == Verdict::kSkipped) ++skipped;
    for (const auto& i : c.imported) add(i);
  }
  void set_on(pugi::xml_node node) const {
    node.append_attribute("tests") = tests;
    node.append_attribute("failures") = failures;
    node.append_attribute("errors") = errors;
    node.append_attribute("skipped") = skipped;
    node.append_attribute("time") = seconds(time).c_str();
  }
};

void write_case(pugi::xml_node suite, const std::string& classname, const ReportCase& c) {
  auto t = suite.append_child("testcase");
  t.append_attribute("classname") = safe_text(classname).c_str();
  t.append_attribute("name") = safe_text(c.name).c_str();
  t.append_attribute("time") = seconds(c.seconds).c_str();
  t.append_attribute("file") = safe_text(c.file.string()).c_str();
  t.append_attribute("line") = static_cast<unsigned long long>(c.line);
  std::vector<std::pair<std::string, std::string>> properties;
  if (c.status == Verdict::kFlaky || c.attempts > 1) {
    properties.emplace_back("attempts", std::to_string(c.attempts));
    if (c.status == Verdict::kFlaky) properties.emplace_back("flaky", "true");
  }
  if (const auto& h = c.history) {
    properties.emplace_back("history.verdict", h->verdict);
    if (!h->failing_since.empty()) {
      properties.emplace_back("history.failing_since", h->failing_since);
      properties.emplace_back("history.failing_runs", std::to_string(h->failing_runs));
    }
    properties.emplace_back("history.flake_rate", seconds(h->flake_rate));
    properties.emplace_back("history.judged_runs", std::to_string(h->judged_runs));
  }
  if (const auto& e = c.expectation) {
    properties.emplace_back("expectation", e->kind);
    properties.emplace_back("expectation.outcome", e->outcome);
    if (!e->bug.empty()) properties.emplace_back("expectation.bug", e->bug);
    if (!e->reason.empty()) properties.emplace_back("expectation.reason", e->reason);
    properties.emplace_back("expectation.where", e->where);
    if (!e->status_before.empty())
      properties.emplace_back("expectation.status_before", e->status_before);
  }
  if (!properties.empty()) {
    auto p = t.append_child("properties");
    for (const auto& [name, value] : properties) {
      auto property = p.append_child("property");
      property.append_attribute("name") = safe_text(name).c_str();
      property.append_attribute("value") = safe_text(value).c_str();
    }
  }
  if (c.status == Verdict::kFailed || c.status == Verdict::kError) {
    auto f = t.append_child(c.status == Verdict::kFailed ? "failure" : "error");
    f.append_attribute("message") = safe_text(c.message).c_str();
    f.append_attribute("type") = safe_text(c.type).c_str();
    f.text() = safe_text(c.details.empty() ? c.message : c.details).c_str();
  } else if (c.status == Verdict::kSkipped) {
    t.append_child("skipped").append_attribute("message") = safe_text(c.message).c_str();
  }
  std::string out = c.step_log;
  for (const auto& a : c.attachments) out += "[[ATTACHMENT|" + a.string() + "]]\n";
  if (!out.empty()) t.append_child("system-out").text() = safe_text(out).c_str();
}

}  // namespace

void write_junit(const RunReport& report, const std::filesystem::path& file) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("testsuites");
  root.append_attribute("name") = "hurdle";
  Counts all;
  for (const auto& suite : report.suites) {
    all.time += suite.boot_seconds;
    for (const auto& c : suite.cases) all.add(c);
  }
  all.set_on(root);

  for (const auto& suite : report.suites) {
    auto s = root.append_child("testsuite");
    s.append_attribute("name") = safe_text(suite.name).c_str();
    Counts counts;
    counts.time = suite.boot_seconds;
    for (const auto& c : suite.cases) counts.add(c);
    counts.set_on(s);
    s.append_attribute("timestamp") = safe_text(suite.timestamp).c_str();
    s.append_attribute("hostname") = safe_text(report.hostname).c_str();
    auto props = s.append_child("properties");
    for (const auto& [name, value] : suite.properties) {
      auto p = props.append_child("property");
      p.append_attribute("name") = safe_text(name).c_str();
      p.append_attribute("value") = safe_text(value).c_str();
    }
    auto boot = props.append_child("property");
    boot.append_attribute("name") = "boot.seconds";
    boot.append_attribute("value") = seconds(suite.boot_seconds).c_str();
    for (const auto& c : suite.cases) {
      write_case(s, suite.name, c);
      // The project's own tests under the scenario that ran them: SUITE.SCENARIO.
      for (const auto& i : c.imported) write_case(s, suite.name + "." + c.name, i);
    }
  }

  std::ostringstream text;
  doc.save(text, "  ", pugi::format_default, pugi::encoding_utf8);
  write_file_atomically(file, text.str());
}

}  // namespace hurdle
