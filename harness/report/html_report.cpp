#include "report/html_report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "core/duration_text.hpp"
#include "core/safe_text.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kConsoleTailBytes = 8 * 1024;

std::string escaped(const std::string& text) {
  std::string out;
  for (const char c : safe_text(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// An attachment as a link relative to the page when the file is there, else its path as text.
std::string attachment_link(const fs::path& file, const fs::path& page_dir) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(file, ec);
  if (!ec && fs::exists(absolute, ec)) {
    const fs::path relative = absolute.lexically_relative(fs::absolute(page_dir));
    if (!relative.empty()) {
      // Each path part is a name hurdle made (or the user's folders): escaped as text, and
      // percent-encoded where a URL would read it otherwise.
      std::string href;
      for (const char c : relative.generic_string()) {
        if (c == '%' || c == '#' || c == '?' || c == ' ' || c == '"' || c == '\'' || c == '<' ||
            c == '>' || c == '&') {
          char hex[4];
          std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
          href += hex;
        } else {
          href += c;
        }
      }
      return "<a href=\"" + escaped(href) + "\">" + escaped(file.filename().string()) + "</a>";
    }
  }
  return "<span class=\"missing\">" + escaped(file.string()) + "</span>";
}

// The end of the scenario's console-tail.txt (or console.txt slice), when it can be read.
std::string console_tail(const ReportCase& c) {
  for (const char* name : {"console-tail.txt", "console.txt"}) {
    for (const auto& a : c.attachments) {
      if (a.filename() != name) continue;
      std::ifstream in(a, std::ios::binary);
      if (!in) continue;
      in.seekg(0, std::ios::end);
      const auto size = static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0));
      const std::size_t from = size > kConsoleTailBytes ? size - kConsoleTailBytes : 0;
      in.seekg(static_cast<std::streamoff>(from));
      std::string text(size - from, '\0');
      in.read(text.data(), static_cast<std::streamsize>(text.size()));
      return std::string(utf8_tail(text, kConsoleTailBytes));
    }
  }
  return {};
}

// "new failure since run 3 of 2026-12-01 (4 runs), flake rate 0.25", "known failure (BUG)".
std::string history_text(const ReportCase& c) {
  std::string text;
  if (const auto& h = c.history) {
    text = h->verdict;
    if (!h->failing_since.empty())
      text += " since " + h->failing_since + " (" + std::to_string(h->failing_runs) + " runs)";
    if (h->flake_rate > 0) {
      char rate[16];
      std::snprintf(rate, sizeof rate, "%.2f", h->flake_rate);
      text +=
          ", flake rate " + std::string(rate) + " over " + std::to_string(h->judged_runs) + " runs";
    }
  }
  if (const auto& e = c.expectation)
    text += (text.empty() ? "" : "; ") + e->outcome + (e->bug.empty() ? "" : " (" + e->bug + ")");
  return text;
}

// The run's findings beyond its cases: probably infrastructure, gone tests, stale expectations.
std::string findings_html(const RunReport& report) {
  std::string h;
  for (const auto& why : property_values(report, "infrastructure.probable"))
    h += "<p class=\"infrastructure\"><strong>Probably infrastructure, not the tests:</strong> " +
         escaped(why) + "</p>\n";
  const auto list = [&](const std::string& title, const std::string& id,
                        const std::vector<std::string>& items) {
    if (items.empty()) return;
    h += "<h2>" + title + "</h2>\n<ul id=\"" + id + "\">\n";
    for (const auto& i : items) h += "<li>" + escaped(i) + "</li>\n";
    h += "</ul>\n";
  };
  list("Gone since the last run", "gone", property_values(report, "history.gone"));
  list("Stale expectations", "stale", property_values(report, "expectations.stale"));
  return h;
}

constexpr const char* kStyle = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1b1b1b; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
.totals span { display: inline-block; margin-right: 1.2em; font-weight: 600; }
table { border-collapse: collapse; margin: .6em 0 1.6em; min-width: 60%; }
th, td { text-align: left; padding: .25em .8em; border-bottom: 1px solid #ddd; vertical-align: top; }
td.time { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: 700; text-transform: uppercase; font-size: .85em; }
.passed { color: #17692c; } .flaky { color: #8a5a00; } .failed { color: #b3261e; }
.error { color: #7d1d9a; } .skipped { color: #666; }
pre { background: #f5f5f5; padding: .6em; overflow-x: auto; white-space: pre-wrap; }
.problem { border-left: 4px solid #b3261e; padding-left: 1em; margin: 1.2em 0; }
.missing { color: #666; }
)";

}  // namespace

std::string html_report(const RunReport& report, const fs::path& page) {
  const fs::path page_dir = page.has_parent_path() ? page.parent_path() : fs::path(".");
  StatusCounts all;
  double boot = 0;
  for (const auto& s : report.suites) {
    boot += s.boot_seconds;
    for (const auto& c : s.cases) all.add(c);
  }
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h +=
      "<title>hurdle report</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  h += "<h1>hurdle report</h1>\n<p class=\"totals\" id=\"totals\">";
  h += "<span class=\"passed\">" + std::to_string(all.passed + all.flaky) + " passed</span>";
  if (all.flaky > 0) h += "<span class=\"flaky\">" + std::to_string(all.flaky) + " flaky</span>";
  h += "<span class=\"failed\">" + std::to_string(all.failed) + " failed</span>";
  h += "<span class=\"error\">" + std::to_string(all.errors) + " error(s)</span>";
  h += "<span class=\"skipped\">" + std::to_string(all.skipped) + " skipped</span>";
  h += "<span>" + fixed_seconds_text(boot + all.seconds, 2) + "</span>";
  if (!report.hostname.empty()) h += "<span>on " + escaped(report.hostname) + "</span>";
  h += "</p>\n";

  h += findings_html(report);
  std::vector<std::pair<int, std::string>> problems;  // new failures first
  for (const auto& s : report.suites) {
    h += "<h2>" + escaped(s.name) + "</h2>\n<p>boot " + fixed_seconds_text(s.boot_seconds, 2);
    for (const auto& [name, value] : s.properties) {
      if (name == "qemu.version" || name == "accelerator" || name == "hurdle.version")
        h += " · " + escaped(name) + " " + escaped(value);
    }
    h += "</p>\n<table>\n<tr><th>scenario</th><th>status</th><th>history</th><th>time</th>"
         "<th>where</th></tr>\n";
    for (std::size_t i = 0; i < s.cases.size(); ++i) {
      const ReportCase& c = s.cases[i];
      const std::string id = "case-" + escaped(s.name) + "-" + std::to_string(i);
      std::string mark;
      if (c.status == Verdict::kFlaky)
        mark = " (passed on attempt " + std::to_string(c.attempts) + ")";
      else if (c.attempts > 1)
        mark = " (" + std::to_string(c.attempts) + " attempts)";
      const std::string name = needs_attention(c)
                                   ? "<a href=\"#" + id + "\">" + escaped(c.name) + "</a>"
                                   : escaped(c.name);
      h += "<tr><td>" + name + "</td><td class=\"status " + to_string(c.status) + "\">" +
           to_string(c.status) + escaped(mark) + "</td><td class=\"history\">" +
           escaped(history_text(c)) + "</td><td class=\"time\">" +
           fixed_seconds_text(c.seconds, 2) + "</td><td>" + escaped(c.file.string()) +
           (c.line > 0 ? ":" + std::to_string(c.line) : "") + "</td></tr>\n";
      if (!needs_attention(c)) continue;

      std::string p = "<section class=\"problem\" id=\"" + id + "\">\n<h3>" + escaped(s.name) +
                      "." + escaped(c.name) + " <span class=\"status " + to_string(c.status) +
                      "\">" + to_string(c.status) + "</span></h3>\n";
      p += "<p>" + escaped(c.file.string()) + (c.line > 0 ? ":" + std::to_string(c.line) : "");
      if (!c.type.empty()) p += " · " + escaped(c.type);
      if (c.history) p += " · <strong class=\"verdict\">" + escaped(history_text(c)) + "</strong>";
      p += "</p>\n";
      if (!c.message.empty()) p += "<pre class=\"message\">" + escaped(c.message) + "</pre>\n";
      if (!c.details.empty() && c.details != c.message)
        p += "<details><summary>details</summary><pre>" + escaped(c.details) + "</pre></details>\n";
      if (!c.step_log.empty())
        p += "<details open><summary>steps</summary><pre>" + escaped(c.step_log) +
             "</pre></details>\n";
      if (!c.imported.empty()) {
        p += "<table class=\"imported\">\n<tr><th>imported test</th><th>status</th><th>time</th>"
             "<th>message</th></tr>\n";
        for (const auto& t : c.imported) {
          p += "<tr><td>" + escaped(t.name) + "</td><td class=\"status " + to_string(t.status) +
               "\">" + to_string(t.status) + "</td><td class=\"time\">" +
               fixed_seconds_text(t.seconds, 2) + "</td><td>" + escaped(t.message) + "</td></tr>\n";
        }
        p += "</table>\n";
      }
      if (const std::string tail = console_tail(c); !tail.empty())
        p += "<details open><summary>console (last lines)</summary><pre class=\"console\">" +
             escaped(tail) + "</pre></details>\n";
      if (!c.attachments.empty()) {
        p += "<p class=\"attachments\">";
        for (const auto& a : c.attachments) p += attachment_link(a, page_dir) + " ";
        p += "</p>\n";
      }
      problems.emplace_back(history_rank(c), p + "</section>\n");
    }
    h += "</table>\n";
  }
  std::stable_sort(problems.begin(), problems.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (!problems.empty()) h += "<h2>Not passed</h2>\n";
  for (const auto& [rank, text] : problems) h += text;
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace hurdle
