#include "results/automake_results.hpp"

#include <re2/re2.h>

#include <optional>

#include "core/safe_text.hpp"
#include "results/result_text.hpp"

namespace hurdle {

namespace {

struct AutomakeResult {
  Verdict status;
  const char* note;  // for results that pass or fail other than plainly
};

std::optional<AutomakeResult> verdict_of(const std::string& word) {
  if (word == "PASS") return AutomakeResult{Verdict::kPassed, ""};
  if (word == "XFAIL") return AutomakeResult{Verdict::kPassed, "XFAIL: failed, as expected"};
  if (word == "SKIP") return AutomakeResult{Verdict::kSkipped, "SKIP"};
  if (word == "FAIL") return AutomakeResult{Verdict::kFailed, "FAIL"};
  if (word == "XPASS")
    return AutomakeResult{Verdict::kFailed, "XPASS: passed, but expected to fail"};
  if (word == "ERROR") return AutomakeResult{Verdict::kError, "ERROR: the test could not run"};
  return std::nullopt;
}

int severity(Verdict s) {
  switch (s) {
    case Verdict::kPassed:
    case Verdict::kFlaky:  // automake has no such result
      return 0;
    case Verdict::kSkipped:
      return 1;
    case Verdict::kFailed:
      return 2;
    case Verdict::kError:
      return 3;
  }
  return 3;
}

}  // namespace

ImportedTest parse_trs(std::string_view trs, std::string_view log, const std::string& name,
                       const std::string& source) {
  static const RE2 kLine(R"(^:(test-result|global-test-result):\s*(\S+)(?:\s+(.*))?$)");
  ImportedTest t;
  t.name = name;
  t.source = source;
  std::optional<AutomakeResult> global;
  std::size_t global_line = 0;
  std::vector<std::string> results;
  for_each_line(trs, [&](std::string_view line, std::size_t number) {
    std::string key;
    std::string word;
    std::string rest;
    if (!RE2::FullMatch(std::string(line), kLine, &key, &word, &rest)) return true;
    const auto v = verdict_of(word);
    if (!v)
      throw ResultsError(source + ":" + std::to_string(number) + ": unknown test result '" +
                         safe_line(word) + "' (expected PASS, FAIL, SKIP, XFAIL, XPASS or ERROR)");
    if (key == "global-test-result") {
      global = v;
      global_line = number;
    } else {
      results.push_back(word + (rest.empty() ? "" : " " + rest));
    }
    return true;
  });
  if (!global && results.empty())
    throw ResultsError(source + ": not an automake .trs file: no :test-result: line");
  if (!global) {
    // Older drivers write no global result: the worst of the results decides.
    for (const auto& r : results) {
      const auto v = verdict_of(r.substr(0, r.find(' ')));
      if (!v) continue;
      if (!global || severity(v->status) > severity(global->status)) global = v;
    }
  }
  t.status = global->status;
  if (global_line != 0) t.source = source + ":" + std::to_string(global_line);
  if (results.size() > 1 || t.status != Verdict::kPassed || *global->note != '\0') {
    std::string list;
    for (const auto& r : results) list += (list.empty() ? "" : ", ") + r;
    t.message = std::string(global->note) + (results.size() > 1 ? " (results: " + list + ")" : "");
  }
  TestOutput output;
  output.add(log);
  t.output = output.text();
  return t;
}

TestSuiteLog parse_test_suite_log(std::string_view text, const std::string& source) {
  static const RE2 kCount(R"(^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):\s*(\d+)\s*$)");
  static const RE2 kSection(R"(^(PASS|SKIP|XFAIL|FAIL|XPASS|ERROR): (.+)$)");
  TestSuiteLog log;
  bool banner = false;
  // Each line waits one line before it goes into the current section's output: the next line
  // may underline it, making it the next section's heading.
  std::optional<std::string> pending;
  std::size_t pending_number = 0;
  TestOutput output;
  const auto close_section = [&] {
    if (!log.listed.empty()) log.listed.back().output = output.text();
    output = TestOutput();
  };
  const auto flush_pending = [&] {
    if (pending && !log.listed.empty()) output.add_line(*pending);
    pending.reset();
  };
  for_each_line(text, [&](std::string_view view, std::size_t number) {
    const std::string line(view);
    std::string key;
    int count = 0;
    if (RE2::FullMatch(line, kCount, &key, &count)) {
      banner = true;
      int* field = key == "TOTAL"   ? &log.total
                   : key == "PASS"  ? &log.pass
                   : key == "SKIP"  ? &log.skip
                   : key == "XFAIL" ? &log.xfail
                   : key == "FAIL"  ? &log.fail
                   : key == "XPASS" ? &log.xpass
                                    : &log.error;
      *field = count;
      flush_pending();
      return true;
    }
    // A section is "RESULT: name" underlined with '=' on the next line.
    std::string word;
    std::string name;
    if (pending && !line.empty() && line.find_first_not_of('=') == std::string::npos &&
        line.size() == pending->size() && RE2::FullMatch(*pending, kSection, &word, &name)) {
      close_section();
      const auto v = verdict_of(word);
      ImportedTest t;
      t.name = name;
      t.status = v->status;
      t.message = v->note;
      t.source = source + ":" + std::to_string(pending_number);
      log.listed.push_back(std::move(t));
      pending.reset();
      return true;
    }
    flush_pending();
    pending = line;
    pending_number = number;
    return true;
  });
  flush_pending();
  close_section();
  if (!banner)
    throw ResultsError(source + ": not an automake test-suite.log: no '# TOTAL:' banner");
  for (auto& t : log.listed) {
    while (!t.output.empty() && (t.output.front() == '\n')) t.output.erase(0, 1);
    while (t.output.size() > 1 && t.output.back() == '\n' && t.output[t.output.size() - 2] == '\n')
      t.output.pop_back();
  }
  return log;
}

}  // namespace hurdle
