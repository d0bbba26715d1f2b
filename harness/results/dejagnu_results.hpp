// DejaGnu's `.sum` files, as gcc, binutils and gdb write them (`runtest`): one line per result
// (`PASS:`, `FAIL:`, `XPASS:`, `XFAIL:`, `KFAIL:`, `KPASS:`, `UNRESOLVED:`, `UNTESTED:`,
// `UNSUPPORTED:`), grouped by tool (`=== TOOL tests ===`) and target variation
// (`Running target VARIATION`), each group closed by a summary block whose counts
// (`# of expected passes  N`) are checked against the lines read: a mismatch means a file cut
// short or edited, and is refused. Expected failures (XFAIL, KFAIL) are skipped with their
// reason, not failures; unexpected and unknown successes (XPASS, KPASS) fail, as automake's
// XPASS does; UNRESOLVED is an error; UNTESTED and UNSUPPORTED are skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "results/imported_test.hpp"

namespace hurdle {

// `source`: the file's name, for each test's "FILE:LINE" and for errors. A test named twice
// gets " #2" (and so on) after its name; with several variations, each name starts with its
// variation ("unix/-m32: "). Throws ResultsError naming the line of a summary that does not
// match the results, or for a file with no result and no summary.
std::vector<ImportedTest> parse_dejagnu_sum(std::string_view text, const std::string& source);

}  // namespace hurdle
