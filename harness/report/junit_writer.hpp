// Writes a RunReport as JUnit XML, the dialect Jenkins, GitLab and GitHub test-report actions
// read: testsuites > testsuite (counts, time, timestamp, hostname) > properties, testcase
// (classname, name, time, file, line) with failure/error/skipped and system-out holding the
// step log and one [[ATTACHMENT|path]] line per artifact. Written to a temporary file and
// renamed, so the file on disk is always complete, even if hurdle is interrupted.
#pragma once

#include <filesystem>

#include "report/run_report.hpp"

namespace hurdle {

void write_junit(const RunReport& report, const std::filesystem::path& file);

}  // namespace hurdle
