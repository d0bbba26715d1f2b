// glibc's `tests.sum` (and `xtests.sum`), as `make check` writes it in the build tree: one line
// per test, `RESULT: subdir/test`, RESULT one of PASS, FAIL, UNSUPPORTED, XFAIL, XPASS,
// UNRESOLVED and ERROR (a subdir whose tests could not be run). Every other non-blank line is
// refused with its number: this file has nothing else. Expected failures (XFAIL) are skipped
// with their reason; XPASS fails; UNRESOLVED and ERROR are errors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "results/imported_test.hpp"

namespace hurdle {

// `source`: the file's name, for each test's "FILE:LINE" and for errors. Throws ResultsError
// for a line that is not a result, and for a file with no result.
std::vector<ImportedTest> parse_glibc_tests_sum(std::string_view text, const std::string& source);

}  // namespace hurdle
