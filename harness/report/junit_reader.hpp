// Reads a JUnit XML report back into a RunReport, as hurdle writes it (testsuites > testsuite >
// properties, testcase with classname SUITE for a scenario and SUITE.SCENARIO for a test it
// imported; failure, error, skipped; attempts and flaky properties; system-out with the step
// log and [[ATTACHMENT|path]] lines), and as other tools write the same dialect (a lone
// <testsuite> root; cases of another classname are kept as cases of their suite). Used by
// `hurdle report merge`, `summary` and `html`. The file is outside input: anything it cannot
// read is a ConfigError naming the file, the line and what was expected.
#pragma once

#include <filesystem>

#include "report/run_report.hpp"

namespace hurdle {

[[nodiscard]] RunReport read_junit(const std::filesystem::path& file);

}  // namespace hurdle
