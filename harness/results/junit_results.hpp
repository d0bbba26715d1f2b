// JUnit XML as CTest (--output-junit), pytest (--junitxml), GoogleTest (--gtest_output=xml)
// and most others write it: <testsuites> or a lone <testsuite>, nested suites, and each
// <testcase> with <failure>, <error> or <skipped> and its <system-out>/<system-err>.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "results/imported_test.hpp"

namespace hurdle {

// Test names are "CLASSNAME.NAME" (or NAME when the classname is empty or the same).
// Throws ResultsError for text that is not XML, or XML without JUnit's elements.
std::vector<ImportedTest> parse_junit(std::string_view text, const std::string& source);

}  // namespace hurdle
