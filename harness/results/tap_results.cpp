#include "results/tap_results.hpp"

#include <re2/re2.h>

#include <optional>

#include "core/safe_text.hpp"
#include "results/result_text.hpp"

namespace hurdle {

namespace {

std::string trimmed(std::string_view s) {
  const auto start = s.find_first_not_of(" \t");
  if (start == std::string_view::npos) return "";
  const auto end = s.find_last_not_of(" \t\r");
  return std::string(s.substr(start, end - start + 1));
}

// A test point: `ok`/`not ok`, its number (counted when left out), its description and its
// SKIP or TODO directive.
ImportedTest test_point(bool ok, const std::string& number, const std::string& rest,
                        std::size_t before, const std::string& where) {
  static const RE2 kDirective(R"(^(.*?)\s*#\s*(?i:(skip\S*|todo))\b\s*(.*)$)");
  ImportedTest t;
  t.source = where;
  const long n = number.empty() ? static_cast<long>(before) + 1 : std::stol(number);
  std::string description = rest;
  std::string directive_before;
  std::string directive;
  std::string reason;
  if (RE2::FullMatch(rest, kDirective, &directive_before, &directive, &reason))
    description = directive_before;
  description = trimmed(description);
  t.name = "#" + std::to_string(n) + (description.empty() ? "" : " " + description);
  const bool skip = !directive.empty() && (directive[0] == 's' || directive[0] == 'S');
  const bool todo = !directive.empty() && !skip;
  if (skip) {
    t.status = Verdict::kSkipped;
    t.message = "SKIP" + (reason.empty() ? "" : ": " + trimmed(reason));
  } else if (todo) {
    t.status = Verdict::kPassed;  // a TODO's result does not count (TAP)
    t.message = std::string(ok ? "TODO passed" : "TODO (expected to fail)") +
                (reason.empty() ? "" : ": " + trimmed(reason));
  } else if (!ok) {
    t.status = Verdict::kFailed;
    t.message = "not ok " + std::to_string(n) + (description.empty() ? "" : " - " + description);
  }
  return t;
}

// A run that ended early: a `Bail out!`, or fewer tests than the plan (at `plan_at`) promised.
void add_early_end(std::vector<ImportedTest>& tests, std::optional<long> planned,
                   const std::string& plan_at, const std::string& bailed) {
  if (!bailed.empty()) {
    ImportedTest t;
    t.name = "bail out";
    t.status = Verdict::kError;
    t.message = bailed;
    t.source = bailed.substr(0, bailed.find(": Bail"));
    tests.push_back(std::move(t));
    return;
  }
  if (planned && static_cast<long>(tests.size()) < *planned) {
    ImportedTest t;
    t.name = "plan";
    t.status = Verdict::kError;
    t.message = "the plan (1.." + std::to_string(*planned) + ") promised " +
                std::to_string(*planned) + " tests, and " + std::to_string(tests.size()) +
                " ran: the test program stopped early";
    t.source = plan_at;
    tests.push_back(std::move(t));
  }
}

}  // namespace

std::vector<ImportedTest> parse_tap(std::string_view text, const std::string& source) {
  static const RE2 kPlan(R"(^1\.\.(\d+)(?:\s*#.*)?$)");  // `1..0 # SKIP why`: nothing ran
  static const RE2 kPoint(R"(^(not )?ok\b\s*(\d+)?\s*(?:-\s*)?(.*)$)");
  static const RE2 kBail(R"(^Bail out!\s*(.*)$)");
  std::vector<ImportedTest> tests;
  std::optional<long> planned;
  std::size_t plan_line = 0;
  bool in_yaml = false;
  std::string bailed;
  // The output of the test point being read; each comment and YAML line after it is its own.
  TestOutput output;
  const auto close_test = [&] {
    if (!tests.empty()) tests.back().output = output.text();
    output = TestOutput();
  };
  for_each_line(text, [&](std::string_view line, std::size_t line_no) {
    const std::string where = source + ":" + std::to_string(line_no);
    // A YAML block (TAP 13) belongs to the test point before it, indented, `---` to `...`.
    if (in_yaml) {
      if (trimmed(line) == "...") in_yaml = false;
      output.add_line(line);
      return true;
    }
    if (trimmed(line) == "---" && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      in_yaml = true;
      return true;
    }
    const std::string l(line);
    long count = 0;
    if (RE2::FullMatch(l, kPlan, &count)) {
      if (planned) throw ResultsError(where + ": a second plan (" + safe_line(l) + ")");
      planned = count;
      plan_line = line_no;
      return true;
    }
    std::string not_ok;
    std::string number;
    std::string rest;
    if (RE2::FullMatch(l, kPoint, &not_ok, &number, &rest)) {
      close_test();
      tests.push_back(test_point(not_ok.empty(), number, rest, tests.size(), where));
      return true;
    }
    std::string why;
    if (RE2::FullMatch(l, kBail, &why)) {
      bailed = where + ": Bail out!" + (why.empty() ? "" : " " + why);
      return false;
    }
    // Comments and anything else (a test's own output) go with the test before them.
    output.add_line(line);
    return true;
  });
  close_test();
  if (!planned && tests.empty() && bailed.empty())
    throw ResultsError(source + ": not TAP: no plan (1..N) and no test point (ok / not ok)");
  add_early_end(tests, planned, source + ":" + std::to_string(plan_line), bailed);
  return tests;
}

}  // namespace hurdle
