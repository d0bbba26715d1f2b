#include "results/automake_results.hpp"

#include <re2/re2.h>

#include <optional>

#include "core/safe_text.hpp"

namespace hurdle {

namespace {

struct Verdict {
  ImportedTest::Status status;
  const char* note;  // for results that pass or fail other than plainly
};

std::optional<Verdict> verdict_of(const std::string& word) {
  if (word == "PASS") return Verdict{ImportedTest::Status::kPassed, ""};
  if (word == "XFAIL") return Verdict{ImportedTest::Status::kPassed, "XFAIL: failed, as expected"};
  if (word == "SKIP") return Verdict{ImportedTest::Status::kSkipped, "SKIP"};
  if (word == "FAIL") return Verdict{ImportedTest::Status::kFailed, "FAIL"};
  if (word == "XPASS")
    return Verdict{ImportedTest::Status::kFailed, "XPASS: passed, but expected to fail"};
  if (word == "ERROR")
    return Verdict{ImportedTest::Status::kError, "ERROR: the test could not run"};
  return std::nullopt;
}

int severity(ImportedTest::Status s) {
  switch (s) {
    case ImportedTest::Status::kPassed:
      return 0;
    case ImportedTest::Status::kSkipped:
      return 1;
    case ImportedTest::Status::kFailed:
      return 2;
    case ImportedTest::Status::kError:
      return 3;
  }
  return 3;
}

std::string bounded(std::string_view text) {
  if (text.size() <= kMaxImportedOutput) return std::string(text);
  return std::string(utf8_head(text, kMaxImportedOutput / 2)) + "\n[...]\n" +
         std::string(utf8_tail(text, kMaxImportedOutput / 2));
}

template <typename Each>
void for_each_line(std::string_view text, Each each) {
  std::size_t start = 0;
  std::size_t number = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    each(line, ++number, end + 1);
    start = end + 1;
  }
}

}  // namespace

ImportedTest parse_trs(std::string_view trs, std::string_view log, const std::string& name,
                       const std::string& source) {
  static const RE2 kLine(R"(^:(test-result|global-test-result):\s*(\S+)(?:\s+(.*))?$)");
  ImportedTest t;
  t.name = name;
  t.source = source;
  std::optional<Verdict> global;
  std::size_t global_line = 0;
  std::vector<std::string> results;
  for_each_line(trs, [&](std::string_view line, std::size_t number, std::size_t) {
    std::string key;
    std::string word;
    std::string rest;
    if (!RE2::FullMatch(std::string(line), kLine, &key, &word, &rest)) return;
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
  if (results.size() > 1 || t.status != ImportedTest::Status::kPassed || *global->note != '\0') {
    std::string list;
    for (const auto& r : results) list += (list.empty() ? "" : ", ") + r;
    t.message = std::string(global->note) + (results.size() > 1 ? " (results: " + list + ")" : "");
  }
  t.output = bounded(log);
  return t;
}

TestSuiteLog parse_test_suite_log(std::string_view text, const std::string& source) {
  static const RE2 kCount(R"(^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):\s*(\d+)\s*$)");
  static const RE2 kSection(R"(^(PASS|SKIP|XFAIL|FAIL|XPASS|ERROR): (.+)$)");
  TestSuiteLog log;
  bool banner = false;
  ImportedTest* current = nullptr;
  std::string previous;
  std::size_t previous_number = 0;
  for_each_line(text, [&](std::string_view view, std::size_t number, std::size_t) {
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
      return;
    }
    // A section is "RESULT: name" underlined with '=' on the next line.
    std::string word;
    std::string name;
    if (!line.empty() && line.find_first_not_of('=') == std::string::npos &&
        RE2::FullMatch(previous, kSection, &word, &name) && line.size() == previous.size()) {
      if (current != nullptr && !current->output.empty() && current->output.back() == '\n') {
        // The previous section's last line was this heading: take it back.
        current->output.erase(current->output.size() - previous.size() - 1);
      }
      const auto v = verdict_of(word);
      ImportedTest t;
      t.name = name;
      t.status = v->status;
      t.message = v->note;
      t.source = source + ":" + std::to_string(previous_number);
      log.listed.push_back(std::move(t));
      current = &log.listed.back();
      previous.clear();
      return;
    }
    if (current != nullptr && current->output.size() < kMaxImportedOutput)
      current->output += line + "\n";
    previous = line;
    previous_number = number;
  });
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
