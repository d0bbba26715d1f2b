#include "results/result_import.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "results/automake_results.hpp"
#include "results/dejagnu_results.hpp"
#include "results/glibc_results.hpp"
#include "results/junit_results.hpp"
#include "results/tap_results.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

// Result files are small; one much larger is not what it says it is.
constexpr std::uintmax_t kMaxResultFile = 256ull * 1024 * 1024;

std::string read_whole(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) throw ResultsError(file.string() + ": cannot read it: " + ec.message());
  if (size > kMaxResultFile)
    throw ResultsError(file.string() + ": " + std::to_string(size) +
                       " bytes, more than a result file holds (256 MiB)");
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The regular files under `dir` whose names end in `suffix`, sorted; symlinks are not followed
// (the folder came from the guest).
std::vector<fs::path> files_ending(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file(ec) && !it->is_symlink(ec) && name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

void append(std::vector<ImportedTest>& to, std::vector<ImportedTest> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

std::vector<ImportedTest> automake(const fs::path& path, bool folder) {
  std::vector<ImportedTest> tests;
  if (folder) {
    for (const auto& trs : files_ending(path, ".trs")) {
      fs::path log = trs;
      log.replace_extension(".log");
      std::error_code ec;
      const std::string log_text = fs::is_regular_file(log, ec) ? read_whole(log) : "";
      fs::path name = trs.lexically_relative(path);
      name.replace_extension();
      tests.push_back(parse_trs(read_whole(trs), log_text, name.generic_string(), trs.string()));
    }
    if (!tests.empty()) return tests;
    const auto logs = files_ending(path, "test-suite.log");
    if (logs.empty())
      throw ResultsError(path.string() + ": no automake results in it (no .trs file, no " +
                         "test-suite.log): did `make check` run in this folder?");
    for (const auto& file : logs)
      append(tests, parse_test_suite_log(read_whole(file), file.string()).listed);
    return tests;
  }
  if (path.extension() == ".trs") {
    fs::path log = path;
    log.replace_extension(".log");
    std::error_code ec;
    return {parse_trs(read_whole(path), fs::is_regular_file(log, ec) ? read_whole(log) : "",
                      path.stem().string(), path.string())};
  }
  // test-suite.log alone: the tests that did not pass, and as many passing ones as the banner
  // counts (test-suite.log does not name them).
  const TestSuiteLog log = parse_test_suite_log(read_whole(path), path.string());
  tests = log.listed;
  int listed_passes = 0;
  for (const auto& t : tests) listed_passes += t.status == Verdict::kPassed ? 1 : 0;
  for (int i = 1; i <= log.pass + log.xfail - listed_passes; ++i) {
    ImportedTest t;
    t.name = "passed test " + std::to_string(i) + " (test-suite.log names only the others)";
    t.source = path.string();
    tests.push_back(std::move(t));
  }
  return tests;
}

// The files of `format` under `dir`: glibc's are named tests.sum and xtests.sum.
std::vector<fs::path> files_named(const fs::path& dir, ResultFormat format) {
  switch (format) {
    case ResultFormat::kTap:
      return files_ending(dir, ".tap");
    case ResultFormat::kDejagnu:
      return files_ending(dir, ".sum");
    case ResultFormat::kGlibc: {
      std::vector<fs::path> found;
      for (auto& f : files_ending(dir, ".sum"))
        if (f.filename() == "tests.sum" || f.filename() == "xtests.sum") found.push_back(f);
      return found;
    }
    default:
      return files_ending(dir, ".xml");
  }
}

std::string file_kind(ResultFormat format) {
  switch (format) {
    case ResultFormat::kTap:
      return ".tap";
    case ResultFormat::kDejagnu:
      return ".sum";
    case ResultFormat::kGlibc:
      return "tests.sum";
    default:
      return ".xml";
  }
}

std::vector<ImportedTest> parse(ResultFormat format, const std::string& text,
                                const std::string& source) {
  switch (format) {
    case ResultFormat::kTap:
      return parse_tap(text, source);
    case ResultFormat::kDejagnu:
      return parse_dejagnu_sum(text, source);
    case ResultFormat::kGlibc:
      return parse_glibc_tests_sum(text, source);
    default:
      return parse_junit(text, source);
  }
}

}  // namespace

std::optional<ResultFormat> result_format_named(const std::string& name) {
  if (name == "automake") return ResultFormat::kAutomake;
  if (name == "tap") return ResultFormat::kTap;
  if (name == "junit") return ResultFormat::kJunit;
  if (name == "dejagnu") return ResultFormat::kDejagnu;
  if (name == "glibc") return ResultFormat::kGlibc;
  return std::nullopt;
}

const char* result_format_name(ResultFormat format) {
  switch (format) {
    case ResultFormat::kAutomake:
      return "automake";
    case ResultFormat::kTap:
      return "tap";
    case ResultFormat::kJunit:
      return "junit";
    case ResultFormat::kDejagnu:
      return "dejagnu";
    case ResultFormat::kGlibc:
      return "glibc";
  }
  return "?";
}

std::vector<ImportedTest> import_results(ResultFormat format, const fs::path& path) {
  std::error_code ec;
  const bool folder = fs::is_directory(path, ec);
  if (!folder && !fs::is_regular_file(path, ec))
    throw ResultsError(path.string() + ": no such result file or folder");
  if (format == ResultFormat::kAutomake) return automake(path, folder);
  std::vector<fs::path> files = folder ? files_named(path, format) : std::vector{path};
  if (files.empty())
    throw ResultsError(path.string() + ": no " + file_kind(format) + " file in it");
  std::vector<ImportedTest> tests;
  for (const auto& file : files) {
    auto found = parse(format, read_whole(file), file.string());
    // Several files: each test's name says which file it came from.
    if (files.size() > 1) {
      const std::string prefix =
          file.lexically_relative(folder ? path : file.parent_path()).generic_string();
      for (auto& t : found) t.name = prefix + ": " + t.name;
    }
    append(tests, std::move(found));
  }
  return tests;
}

ImportVerdict judge_import(const std::vector<ImportedTest>& tests, bool allow_empty) {
  ImportVerdict v;
  std::string failing;
  for (const auto& t : tests) {
    switch (t.status) {
      case Verdict::kPassed:
      case Verdict::kFlaky:  // no format hurdle imports has it
        ++v.passed;
        break;
      case Verdict::kSkipped:
        ++v.skipped;
        break;
      case Verdict::kFailed:
      case Verdict::kError:
        ++(t.status == Verdict::kFailed ? v.failed : v.errors);
        if (v.failed + v.errors <= 5) failing += (failing.empty() ? "" : ", ") + t.name;
        break;
    }
  }
  const int bad = v.failed + v.errors;
  const int all = static_cast<int>(tests.size());
  if (bad > 0) {
    v.problem = std::to_string(bad) + " of " + std::to_string(all) +
                " tests did not pass: " + failing + (bad > 5 ? ", ..." : "");
  } else if (!allow_empty && all == 0) {
    v.problem =
        "no test ran (a suite that runs nothing is not a pass; allow_empty: true says "
        "it may be)";
  } else if (!allow_empty && v.skipped == all) {
    v.problem = "all " + std::to_string(all) +
                " tests were skipped (a suite that skips everything is not a pass; "
                "allow_empty: true says it may be)";
  }
  return v;
}

}  // namespace hurdle
