// automake's parallel test harness: each test's `.trs` file (`:test-result:` lines, one per
// result, and `:global-test-result:`) with its `.log` beside it, and the suite's
// `test-suite.log` (the `# TOTAL:` banner and a section for each test that did not pass).
// Results: PASS, XFAIL (an expected failure: passed, noted), SKIP, FAIL, XPASS (an unexpected
// pass: failed), ERROR (error).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "results/imported_test.hpp"

namespace hurdle {

// One test from its .trs text; `log` is the test's .log (its output), `name` its name (the
// .trs path without the extension, relative to where the import looked).
ImportedTest parse_trs(std::string_view trs, std::string_view log, const std::string& name,
                       const std::string& source);

// The tests test-suite.log names (those that did not pass, with their logs), and its banner's
// totals; passing tests appear only in the totals, so a folder's .trs files say more.
struct TestSuiteLog {
  std::vector<ImportedTest> listed;
  int total = 0, pass = 0, skip = 0, xfail = 0, fail = 0, xpass = 0, error = 0;
};
TestSuiteLog parse_test_suite_log(std::string_view text, const std::string& source);

}  // namespace hurdle
