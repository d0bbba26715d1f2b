#include "report/markdown_summary.hpp"

#include <algorithm>
#include <cstdio>

#include "core/duration_text.hpp"
#include "core/safe_text.hpp"

namespace hurdle {

namespace {

const char* word(Verdict s) {
  switch (s) {
    case Verdict::kPassed:
      return "PASS";
    case Verdict::kFlaky:
      return "FLAKY";
    case Verdict::kFailed:
      return "FAIL";
    case Verdict::kError:
      return "ERROR";
    case Verdict::kSkipped:
      return "SKIP";
  }
  return "?";
}

// `text` in a fenced block that nothing inside can close.
std::string fenced(const std::string& text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  std::string body = safe_text(text);
  if (!body.empty() && body.back() != '\n') body += '\n';
  return fence + "text\n" + body + fence + "\n";
}

// A table cell: names follow hurdle's name rules, but a JUnit file from elsewhere may hold
// anything; '|' would end the cell and '<' start HTML.
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : safe_text(text)) {
    if (c == '|')
      out += "\\|";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '`' || c == '*' || c == '_' || c == '[' || c == ']')
      out += std::string("\\") + c;
    else
      out += c;
  }
  return out;
}

std::string totals_line(const StatusCounts& t) {
  std::string line = std::to_string(t.passed + t.flaky) + " passed";
  if (t.flaky > 0) line += " (" + std::to_string(t.flaky) + " flaky)";
  line += ", " + std::to_string(t.failed) + " failed, " + std::to_string(t.errors) + " error(s), " +
          std::to_string(t.skipped) + " skipped";
  return line;
}

}  // namespace

std::string markdown_summary(const RunReport& report) {
  StatusCounts scenarios, imported;
  double boot = 0;
  for (const auto& s : report.suites) {
    boot += s.boot_seconds;
    for (const auto& c : s.cases) {
      scenarios.add(c);
      for (const auto& i : c.imported) imported.add(i);
    }
  }
  std::string md = "## hurdle: " + totals_line(scenarios) + " of " +
                   std::to_string(scenarios.total()) + " scenario(s) in " +
                   fixed_seconds_text(boot + scenarios.seconds, 1) + "\n\n";
  if (imported.total() > 0)
    md += "Imported project tests: " + totals_line(imported) + " of " +
          std::to_string(imported.total()) + ".\n\n";
  md += "| suite | passed | failed | errors | skipped | boot | time |\n";
  md += "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& s : report.suites) {
    StatusCounts t;
    for (const auto& c : s.cases) t.add(c);
    md += "| " + cell(s.name) + " | " + std::to_string(t.passed + t.flaky) + " | " +
          std::to_string(t.failed) + " | " + std::to_string(t.errors) + " | " +
          std::to_string(t.skipped) + " | " + fixed_seconds_text(s.boot_seconds, 1) + " | " +
          fixed_seconds_text(s.boot_seconds + t.seconds, 1) + " |\n";
  }
  std::string problems;
  for (const auto& s : report.suites) {
    for (const auto& c : s.cases) {
      if (!needs_attention(c)) continue;
      const int imported_failed = imported_failures(c);
      problems += "\n**" + std::string(word(c.status)) + "** " + cell(s.name + "." + c.name);
      if (!c.file.empty())
        problems +=
            " (" + cell(c.file.string()) + (c.line > 0 ? ":" + std::to_string(c.line) : "") + ")";
      if (!c.type.empty()) problems += ", " + cell(c.type);
      if (c.attempts > 1) problems += ", " + std::to_string(c.attempts) + " attempts";
      problems += "\n\n";
      if (!c.message.empty()) problems += fenced(c.message);
      if (imported_failed > 0)
        problems += "\n" + std::to_string(imported_failed) + " of its " +
                    std::to_string(c.imported.size()) + " imported test(s) failed: ";
      bool first = true;
      for (const auto& i : c.imported) {
        if (!failed(i.status)) continue;
        problems += (first ? "" : ", ") + cell(i.name);
        first = false;
      }
      if (imported_failed > 0) problems += "\n";
    }
  }
  if (!problems.empty()) md += "\n### Not passed (or passed only on a retry)\n" + problems;
  return md;
}

}  // namespace hurdle
