#include "results/dejagnu_results.hpp"

#include <re2/re2.h>

#include <array>
#include <map>
#include <optional>

#include "core/error.hpp"
#include "core/safe_text.hpp"
#include "results/result_text.hpp"

namespace hurdle {

namespace {

// DejaGnu's result kinds, in the order of its summary block.
enum SumKind { kPass, kFail, kXpass, kXfail, kKpass, kKfail, kUnresolved, kUntested, kUnsupported };
constexpr std::size_t kKinds = 9;

struct SumKindInfo {
  const char* word;     // as a result line starts
  const char* counted;  // as the summary block counts it
  Verdict status;
  const char* note;  // the test's message, before what the line says
};

constexpr std::array<SumKindInfo, kKinds> kSumKinds{{
    {"PASS", "expected passes", Verdict::kPassed, ""},
    {"FAIL", "unexpected failures", Verdict::kFailed, "FAIL"},
    {"XPASS", "unexpected successes", Verdict::kFailed, "XPASS: passed, but expected to fail"},
    {"XFAIL", "expected failures", Verdict::kSkipped, "XFAIL: failed, as expected"},
    {"KPASS", "unknown successes", Verdict::kFailed, "KPASS: a known failure passed"},
    {"KFAIL", "known failures", Verdict::kSkipped, "KFAIL: a known failure"},
    {"UNRESOLVED", "unresolved testcases", Verdict::kError, "UNRESOLVED: no verdict"},
    {"UNTESTED", "untested testcases", Verdict::kSkipped, "UNTESTED"},
    {"UNSUPPORTED", "unsupported tests", Verdict::kSkipped, "UNSUPPORTED"},
}};

std::optional<SumKind> kind_of_word(const std::string& word) {
  for (std::size_t k = 0; k < kKinds; ++k)
    if (word == kSumKinds[k].word) return static_cast<SumKind>(k);
  return std::nullopt;
}

std::optional<SumKind> kind_counted(const std::string& what) {
  for (std::size_t k = 0; k < kKinds; ++k)
    if (what == kSumKinds[k].counted) return static_cast<SumKind>(k);
  return std::nullopt;
}

using KindCounts = std::array<long, kKinds>;

// A summary block being read: what it counts, and against which results.
struct OpenSummary {
  std::size_t line = 0;
  std::string title;  // "demo Summary for unix/-O2"
  const KindCounts* expected = nullptr;
  KindCounts stated{};
  std::array<bool, kKinds> seen{};
};

std::string where(const std::string& source, std::size_t line) {
  return source + ":" + std::to_string(line);
}

// The block's counts against the lines read: a kind the block does not name must have had no
// line (DejaGnu leaves zero counts out).
void check_summary(const OpenSummary& s, const std::string& source) {
  for (std::size_t k = 0; k < kKinds; ++k) {
    const long stated = s.seen[k] ? s.stated[k] : 0;
    if (stated == (*s.expected)[k]) continue;
    throw ResultsError(where(source, s.line) + ": the summary '" + safe_text(s.title) +
                       "' counts " + std::to_string(stated) + " " + kSumKinds[k].counted +
                       ", but the file has " + std::to_string((*s.expected)[k]) + " " +
                       kSumKinds[k].word +
                       " lines before it: the file is cut short or was edited, and is not "
                       "imported");
  }
}

}  // namespace

std::vector<ImportedTest> parse_dejagnu_sum(std::string_view text, const std::string& source) {
  static const RE2 kResult(R"(^([A-Z]+): (.*)$)");
  static const RE2 kToolHeader(R"(^\s*=== (.+) tests ===\s*$)");
  static const RE2 kSummaryHeader(R"(^\s*=== (.+) Summary( for .+)? ===\s*$)");
  static const RE2 kCount(R"(^# of ([a-z ]+?)\s+(\d+)\s*$)");
  static const RE2 kTarget(R"(^Running target (\S+)\s*$)");
  static const RE2 kVariation(R"(^\s+(\S+)\s*$)");

  std::vector<ImportedTest> tests;
  std::vector<std::string> variations;
  std::string variation;
  bool in_schedule = false;
  KindCounts tool{}, section{};
  std::optional<OpenSummary> summary;
  int summaries = 0;
  std::map<std::string, int> named;

  for_each_line(text, [&](std::string_view view, std::size_t number) {
    const std::string line(view);
    std::string a, b;
    if (in_schedule) {
      if (RE2::FullMatch(line, kVariation, &a)) {
        variations.push_back(a);
        return true;
      }
      in_schedule = false;
    }
    if (summary) {
      if (RE2::FullMatch(line, kCount, &a, &b)) {
        if (const auto k = kind_counted(a)) {
          summary->stated[*k] = std::stol(b.substr(0, 12));
          summary->seen[*k] = true;
        }
        return true;  // other counts (errors, warnings, paths) have no result line
      }
      if (line.empty()) return true;
      check_summary(*summary, source);
      summary.reset();
    }
    if (line.rfind("Schedule of variations:", 0) == 0) {
      in_schedule = true;
      return true;
    }
    if (RE2::FullMatch(line, kToolHeader, &a)) {
      tool = {};
      section = {};
      return true;
    }
    if (RE2::FullMatch(line, kTarget, &a)) {
      variation = a;
      section = {};
      return true;
    }
    if (RE2::FullMatch(line, kSummaryHeader, &a, &b)) {
      summary = OpenSummary{number, a + " Summary" + b, b.empty() ? &tool : &section, {}, {}};
      ++summaries;
      return true;
    }
    if (!RE2::FullMatch(line, kResult, &a, &b)) return true;  // DejaGnu's other lines
    const auto kind = kind_of_word(a);
    if (!kind) return true;  // ERROR:, WARNING:, NOTE: are runtest's, not results
    ++tool[*kind];
    ++section[*kind];
    ImportedTest t;
    t.name = variations.size() > 1 && !variation.empty() ? variation + ": " + b : b;
    if (const int n = ++named[t.name]; n > 1) t.name += " #" + std::to_string(n);
    t.status = kSumKinds[*kind].status;
    t.message = kSumKinds[*kind].note;
    t.source = where(source, number);
    tests.push_back(std::move(t));
    return true;
  });
  if (summary) check_summary(*summary, source);
  if (tests.empty() && summaries == 0)
    throw ResultsError(source +
                       ": no DejaGnu result (PASS:, FAIL:, ...) and no summary block in it: "
                       "is it a .sum file that runtest wrote?");
  return tests;
}

}  // namespace hurdle
