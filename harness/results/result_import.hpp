// Importing a project's test results from what was fetched from the guest: a file, or a
// folder searched for the format's files (automake: *.trs, with test-suite.log used only when
// there are none; tap: *.tap; junit: *.xml; dejagnu: *.sum; glibc: tests.sum and xtests.sum). And
// the verdict: a failing test fails the step; zero tests, or only skipped ones, fail it too unless
// allowed — the vacuous pass that a hand-written script must otherwise guard against.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "results/imported_test.hpp"

namespace hurdle {

enum class ResultFormat { kAutomake, kTap, kJunit, kDejagnu, kGlibc };

// "automake", "tap", "junit", "dejagnu", "glibc"; nullopt for anything else.
std::optional<ResultFormat> result_format_named(const std::string& name);
// The format's name as a suite writes it.
const char* result_format_name(ResultFormat format);

// Throws ResultsError naming the file and line of a result that does not parse, or the path
// when it holds nothing of the format.
std::vector<ImportedTest> import_results(ResultFormat format, const std::filesystem::path& path);

struct ImportVerdict {
  int passed = 0, failed = 0, skipped = 0, errors = 0;
  // Empty when the import passes: otherwise what went wrong ("2 of 9 tests failed: a, b";
  // "no test ran"; "all 4 tests were skipped").
  std::string problem;
};
ImportVerdict judge_import(const std::vector<ImportedTest>& tests, bool allow_empty);

}  // namespace hurdle
