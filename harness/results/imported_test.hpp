// One test of a project's own test suite, run inside the guest and imported from the result
// files its tools wrote (automake, TAP, JUnit XML): each becomes a JUnit test case of its own
// under the scenario that ran it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/verdict.hpp"

namespace hurdle {

struct ImportedTest {
  std::string name;
  Verdict status = Verdict::kPassed;  // never kFlaky: a project's results say pass or fail
  std::string message;  // why it did not pass, or a note (an expected failure, a TODO)
  std::string output;   // the test's own output, when its tool kept it
  double seconds = 0;
  std::string source;  // "FILE:LINE" where the result is written
};

// Tests' output is kept up to this size each (its head and its end).
inline constexpr std::size_t kMaxImportedOutput = 64 * 1024;

}  // namespace hurdle
