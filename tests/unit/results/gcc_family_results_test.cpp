// DejaGnu's .sum files and glibc's tests.sum: the .sum files are written by real DejaGnu
// (Debian's `dejagnu`: runtest runs a small testsuite made here, with every result kind, a
// repeated name and two target variations), then imported; a summary that does not match the
// lines is refused with its line; glibc's tests.sum has a glibc-shaped file of every result.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "core/error.hpp"
#include "core/run_program.hpp"
#include "results/dejagnu_results.hpp"
#include "results/glibc_results.hpp"
#include "results/result_import.hpp"
#include "support/scratch_folder.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A DejaGnu testsuite of every result kind, run by runtest with `boards` in `dir`: its .sum.
fs::path run_dejagnu(const fs::path& dir, const std::string& boards) {
  fs::remove_all(dir);
  fs::create_directories(dir / "testsuite/demo.test");
  std::ofstream(dir / "testsuite/demo.test/demo.exp") << R"(pass "first test"
fail "second test"
xfail "expected to fail"
xpass "unexpected pass"
kfail "PR123" "known failure"
kpass "PR124" "known passing"
unresolved "cannot tell"
untested "not tested"
unsupported "not supported here"
pass "first test"
)";
  // runtest exits 1 when a test failed; the .sum is what counts.
  const ProgramResult r =
      run_program({"runtest", "--tool", "demo", "--srcdir", (dir / "testsuite").string(),
                   "--outdir", dir.string(), "--target_board", boards});
  EXPECT_TRUE(fs::exists(dir / "demo.sum")) << r.out << r.err;
  return dir / "demo.sum";
}

std::map<std::string, Verdict> statuses_by_name(const std::vector<ImportedTest>& tests) {
  std::map<std::string, Verdict> m;
  for (const auto& t : tests) m[t.name] = t.status;
  return m;
}

std::string sum_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ResultsError& e) {
    return e.what();
  }
  return "no error";
}

TEST(DejagnuResults, EveryKindOfARealRuntestSumIsImported) {
  const fs::path sum = run_dejagnu(test::scratch_folder() / "dejagnu-one", "unix");
  const auto tests = import_results(ResultFormat::kDejagnu, sum);
  const std::map<std::string, Verdict> want{{"first test", Verdict::kPassed},
                                            {"first test #2", Verdict::kPassed},
                                            {"second test", Verdict::kFailed},
                                            {"expected to fail", Verdict::kSkipped},
                                            {"unexpected pass", Verdict::kFailed},
                                            {"known failure (PRMS: PR123)", Verdict::kSkipped},
                                            {"known passing (PRMS PR124)", Verdict::kFailed},
                                            {"cannot tell", Verdict::kError},
                                            {"not tested", Verdict::kSkipped},
                                            {"not supported here", Verdict::kSkipped}};
  EXPECT_EQ(statuses_by_name(tests), want);
  for (const auto& t : tests) {
    EXPECT_THAT(t.source, HasSubstr("demo.sum:"));
    if (t.name == "expected to fail") {
      EXPECT_THAT(t.message, HasSubstr("XFAIL"));
    }
    if (t.name == "unexpected pass") {
      EXPECT_THAT(t.message, HasSubstr("XPASS"));
    }
  }
}

TEST(DejagnuResults, EachVariationIsNamedAndEachSummaryChecked) {
  const fs::path dir = test::scratch_folder() / "dejagnu-two";
  const fs::path sum = run_dejagnu(dir, "unix{,-O2}");
  const auto tests = import_results(ResultFormat::kDejagnu, dir);  // the folder: its *.sum
  EXPECT_EQ(tests.size(), 20u);
  const auto names = statuses_by_name(tests);
  EXPECT_EQ(names.at("unix: second test"), Verdict::kFailed);
  EXPECT_EQ(names.at("unix/-O2: second test"), Verdict::kFailed);
  EXPECT_EQ(names.at("unix/-O2: first test #2"), Verdict::kPassed);

  // One result line taken out: the variation's summary no longer matches, and says where.
  std::string text = test::read_file(sum);
  const auto at = text.rfind("FAIL: second test\n");
  ASSERT_NE(at, std::string::npos);
  text.erase(at, std::string("FAIL: second test\n").size());
  const std::string error = sum_error_of([&] { (void)parse_dejagnu_sum(text, "cut.sum"); });
  EXPECT_THAT(error, HasSubstr("cut.sum:"));
  EXPECT_THAT(error, HasSubstr("demo Summary for unix/-O2"));
  EXPECT_THAT(error, HasSubstr("counts 1 unexpected failures, but the file has 0 FAIL"));
  // A count changed in the tool's total.
  std::string edited = test::read_file(sum);
  const auto total = edited.rfind("# of expected passes\t\t4");
  ASSERT_NE(total, std::string::npos);
  edited.replace(total, std::string("# of expected passes\t\t4").size(),
                 "# of expected passes\t\t5");
  EXPECT_THAT(sum_error_of([&] { (void)parse_dejagnu_sum(edited, "edited.sum"); }),
              HasSubstr("'demo Summary' counts 5 expected passes, but the file has 4"));
}

TEST(DejagnuResults, AFileThatIsNotASumIsRefused) {
  EXPECT_THAT(sum_error_of([] { (void)parse_dejagnu_sum("hello\nworld\n", "x.sum"); }),
              HasSubstr("x.sum: no DejaGnu result"));
}

TEST(GlibcResults, EveryResultOfATestsSum) {
  const fs::path dir = test::scratch_folder() / "glibc-build";
  fs::create_directories(dir / "nptl");
  std::ofstream(dir / "tests.sum") << "PASS: elf/tst-tls1\n"
                                      "FAIL: nptl/tst-cancel17\n"
                                      "UNSUPPORTED: nptl/tst-pthread-timedlock-lockloop\n"
                                      "XFAIL: math/test-fenv\n"
                                      "XPASS: io/tst-fcntl\n"
                                      "UNRESOLVED: posix/tst-spawn3\n"
                                      "ERROR: hurd\n"
                                      "\n";
  std::ofstream(dir / "nptl/unrelated.sum") << "not glibc's\n";
  const auto tests = import_results(ResultFormat::kGlibc, dir);
  const std::map<std::string, Verdict> want{
      {"elf/tst-tls1", Verdict::kPassed},
      {"nptl/tst-cancel17", Verdict::kFailed},
      {"nptl/tst-pthread-timedlock-lockloop", Verdict::kSkipped},
      {"math/test-fenv", Verdict::kSkipped},
      {"io/tst-fcntl", Verdict::kFailed},
      {"posix/tst-spawn3", Verdict::kError},
      {"hurd", Verdict::kError}};
  EXPECT_EQ(statuses_by_name(tests), want);
  EXPECT_EQ(tests[1].source, (dir / "tests.sum").string() + ":2");
  EXPECT_THAT(
      sum_error_of([] { (void)parse_glibc_tests_sum("PASS: a\nmake: *** oops\n", "t.sum"); }),
      HasSubstr("t.sum:2: expected a result line"));
  EXPECT_THAT(sum_error_of([] { (void)parse_glibc_tests_sum("\n", "t.sum"); }),
              HasSubstr("t.sum: no result line"));
}

}  // namespace
}  // namespace hurdle
