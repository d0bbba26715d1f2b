// TAP (the Test Anything Protocol), versions 12 and 13, as Test::More, node --test, prove's
// tests and automake's TAP tests write it: a plan (`1..N`, first or last), test points
// (`ok N - description`, `not ok ...`) with `# SKIP` and `# TODO` directives, comments and
// YAML diagnostic blocks (kept as the test's output), `Bail out!`. Tests the plan promised but
// that never ran are errors; so is a bail-out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "results/imported_test.hpp"

namespace hurdle {

// `source`: the file name, for test names' prefix-free sources and errors ("FILE:LINE").
// Throws ResultsError for text that is not TAP at all (no plan and no test point).
std::vector<ImportedTest> parse_tap(std::string_view text, const std::string& source);

}  // namespace hurdle
