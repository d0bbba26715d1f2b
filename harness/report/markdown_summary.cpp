#include "report/markdown_summary.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

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

// ", new failure", ", still failing since run 3 of 2026-12-01 (4 runs), flake rate 0.25".
std::string history_note(const ReportCase& c) {
  if (!c.history) return "";
  const CaseHistory& h = *c.history;
  std::string note = ", **" + cell(h.verdict) + "**";
  if (!h.failing_since.empty())
    note += " since " + cell(h.failing_since) + " (" + std::to_string(h.failing_runs) + " run" +
            (h.failing_runs == 1 ? "" : "s") + ")";
  if (h.flake_rate > 0) {
    char rate[16];
    std::snprintf(rate, sizeof rate, "%.2f", h.flake_rate);
    note +=
        ", flake rate " + std::string(rate) + " over " + std::to_string(h.judged_runs) + " runs";
  }
  return note;
}

// What the history and the expectations found: counts of each verdict, gone tests, known
// failures, unexpected passes, stale expectations, a run that looks like the machinery's.
std::string findings(const RunReport& report) {
  std::map<std::string, int> verdicts;
  std::vector<std::string> known, xpass;
  for (const auto& s : report.suites)
    for (const auto& c : s.cases) {
      const auto count = [&](const ReportCase& one, const std::string& classname) {
        if (one.history) ++verdicts[one.history->verdict];
        if (!one.expectation) return;
        const std::string line =
            cell(classname + "." + one.name) +
            (one.expectation->bug.empty() ? "" : " (" + cell(one.expectation->bug) + ")");
        if (one.expectation->outcome == "XPASS")
          xpass.push_back(line + ": expected to fail, passed; remove " +
                          cell(one.expectation->where));
        else if (one.expectation->outcome != "skipped")
          known.push_back(line + ": " + cell(one.expectation->outcome));
      };
      count(c, s.name);
      for (const auto& i : c.imported) count(i, s.name + "." + c.name);
    }
  std::string md;
  for (const auto& why : property_values(report, "infrastructure.probable"))
    md += "\n> **Probably infrastructure, not the tests:** " + cell(why) + "\n";
  std::vector<std::string> unpinned;  // one line per image, whichever suites booted it
  for (const auto& notice : property_values(report, "image.unpinned"))
    if (std::find(unpinned.begin(), unpinned.end(), notice) == unpinned.end())
      unpinned.push_back(notice);
  for (const auto& notice : unpinned) md += "\n> **Image not pinned:** " + cell(notice) + "\n";
  if (!verdicts.empty()) {
    md += "\n**History:**";
    bool first = true;
    for (const char* v : {"new failure", "still failing", "flaky", "fixed", "new test"}) {
      const auto it = verdicts.find(v);
      if (it == verdicts.end()) continue;
      md += std::string(first ? " " : ", ") + std::to_string(it->second) + " " + v;
      first = false;
    }
    const auto gone = property_values(report, "history.gone");
    if (!gone.empty())
      md += std::string(first ? " " : ", ") + std::to_string(gone.size()) + " gone";
    if (first && gone.empty()) md += " nothing changed";
    md += "\n";
    for (const auto& g : gone) md += "- gone: " + cell(g) + "\n";
  }
  if (!xpass.empty()) {
    md += "\n**Expected to fail, but passed (XPASS):**\n";
    for (const auto& x : xpass) md += "- " + x + "\n";
  }
  if (!known.empty()) {
    md += "\n**Known failures (the expectations file):** " + std::to_string(known.size()) + "\n";
    for (const auto& k : known) md += "- " + k + "\n";
  }
  const auto stale = property_values(report, "expectations.stale");
  if (!stale.empty()) {
    md += "\n**Stale expectations (matched nothing):**\n";
    for (const auto& e : stale) md += "- " + cell(e) + "\n";
  }
  return md;
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
  md += findings(report);
  // What needs attention, new failures first (the history's order), each suite's in its order.
  std::vector<std::pair<const ReportSuite*, const ReportCase*>> listed;
  for (const auto& s : report.suites)
    for (const auto& c : s.cases)
      if (needs_attention(c)) listed.emplace_back(&s, &c);
  std::stable_sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) {
    return history_rank(*a.second) < history_rank(*b.second);
  });
  std::string problems;
  for (const auto& [sp, cp] : listed) {
    const ReportSuite& s = *sp;
    const ReportCase& c = *cp;
    const int imported_failed = imported_failures(c);
    problems += "\n**" + std::string(word(c.status)) + "** " + cell(s.name + "." + c.name);
    if (!c.file.empty())
      problems +=
          " (" + cell(c.file.string()) + (c.line > 0 ? ":" + std::to_string(c.line) : "") + ")";
    if (!c.type.empty()) problems += ", " + cell(c.type);
    if (c.attempts > 1) problems += ", " + std::to_string(c.attempts) + " attempts";
    problems += history_note(c);
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
  if (!problems.empty()) md += "\n### Not passed (or passed only on a retry)\n" + problems;
  return md;
}

}  // namespace hurdle
