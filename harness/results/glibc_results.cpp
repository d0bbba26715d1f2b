#include "results/glibc_results.hpp"

#include <re2/re2.h>

#include "core/error.hpp"
#include "core/safe_text.hpp"
#include "results/result_text.hpp"

namespace hurdle {

namespace {

struct GlibcResult {
  Verdict status;
  const char* note;
};

std::optional<GlibcResult> result_of(const std::string& word) {
  if (word == "PASS") return GlibcResult{Verdict::kPassed, ""};
  if (word == "FAIL") return GlibcResult{Verdict::kFailed, "FAIL"};
  if (word == "XFAIL") return GlibcResult{Verdict::kSkipped, "XFAIL: failed, as expected"};
  if (word == "XPASS") return GlibcResult{Verdict::kFailed, "XPASS: passed, but expected to fail"};
  if (word == "UNSUPPORTED") return GlibcResult{Verdict::kSkipped, "UNSUPPORTED"};
  if (word == "UNRESOLVED") return GlibcResult{Verdict::kError, "UNRESOLVED: no verdict"};
  if (word == "ERROR")
    return GlibcResult{Verdict::kError, "ERROR: the subdir's tests could not be run"};
  return std::nullopt;
}

}  // namespace

std::vector<ImportedTest> parse_glibc_tests_sum(std::string_view text, const std::string& source) {
  static const RE2 kLine(R"(^([A-Z]+): (\S.*?)\s*$)");
  std::vector<ImportedTest> tests;
  for_each_line(text, [&](std::string_view view, std::size_t number) {
    const std::string line(view);
    if (line.find_first_not_of(" \t") == std::string::npos) return true;
    std::string word, name;
    std::optional<GlibcResult> result;
    if (RE2::FullMatch(line, kLine, &word, &name)) result = result_of(word);
    if (!result)
      throw ResultsError(source + ":" + std::to_string(number) +
                         ": expected a result line (PASS:, FAIL:, XFAIL:, XPASS:, UNSUPPORTED:, "
                         "UNRESOLVED: or ERROR: and a test's name), found '" +
                         safe_text(line.substr(0, 120)) + "'");
    ImportedTest t;
    t.name = name;
    t.status = result->status;
    t.message = result->note;
    t.source = source + ":" + std::to_string(number);
    tests.push_back(std::move(t));
    return true;
  });
  if (tests.empty())
    throw ResultsError(source + ": no result line in it: glibc's `make check` writes one per test");
  return tests;
}

}  // namespace hurdle
