#include "results/junit_results.hpp"

#include <pugixml.hpp>

#include <cstdlib>

#include "core/safe_text.hpp"
#include "results/result_text.hpp"

namespace hurdle {

namespace {

// The line of `node` in `text` (pugixml gives byte offsets).
std::size_t line_of(std::string_view text, const pugi::xml_node& node) {
  const auto offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(node.offset_debug(), 0));
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

void collect(const pugi::xml_node& suite, std::string_view text, const std::string& source,
             std::vector<ImportedTest>& tests) {
  for (const auto& child : suite.children()) {
    const std::string element = child.name();
    if (element == "testsuite") {
      collect(child, text, source, tests);
      continue;
    }
    if (element != "testcase") continue;
    ImportedTest t;
    const std::string classname = child.attribute("classname").as_string();
    const std::string name = child.attribute("name").as_string();
    t.name = classname.empty() || classname == name ? name : classname + "." + name;
    if (t.name.empty()) t.name = "(unnamed test)";
    t.seconds = std::strtod(child.attribute("time").as_string("0"), nullptr);
    if (!(t.seconds >= 0) || t.seconds > 1e9) t.seconds = 0;
    t.source = source + ":" + std::to_string(line_of(text, child));
    TestOutput output;
    const auto outcome = [&](const char* tag, Verdict status) {
      const auto node = child.child(tag);
      if (!node) return false;
      t.status = status;
      t.message = node.attribute("message").as_string();
      const std::string body = node.text().as_string();
      if (t.message.empty()) t.message = body.substr(0, body.find('\n'));
      if (!body.empty()) output.add_line(body);
      return true;
    };
    if (!outcome("failure", Verdict::kFailed) && !outcome("error", Verdict::kError))
      (void)outcome("skipped", Verdict::kSkipped);
    for (const char* stream : {"system-out", "system-err"}) {
      const std::string body = child.child(stream).text().as_string();
      if (!body.empty()) output.add(body.back() == '\n' ? body : body + "\n");
    }
    t.output = output.text();
    tests.push_back(std::move(t));
  }
}

}  // namespace

std::vector<ImportedTest> parse_junit(std::string_view text, const std::string& source) {
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(text.data(), text.size());
  if (!parsed) {
    std::size_t line = 1;
    for (std::ptrdiff_t i = 0; i < parsed.offset && static_cast<std::size_t>(i) < text.size(); ++i)
      if (text[static_cast<std::size_t>(i)] == '\n') ++line;
    throw ResultsError(source + ":" + std::to_string(line) + ": not XML: " + parsed.description());
  }
  const auto root = doc.document_element();
  const std::string top = root.name();
  if (top != "testsuites" && top != "testsuite")
    throw ResultsError(source + ":" + std::to_string(line_of(text, root)) +
                       ": not JUnit XML: the document is <" + safe_line(top) +
                       ">, expected <testsuites> or <testsuite>");
  std::vector<ImportedTest> tests;
  collect(root, text, source, tests);  // a lone <testsuite> or the suites of <testsuites>
  return tests;
}

}  // namespace hurdle
