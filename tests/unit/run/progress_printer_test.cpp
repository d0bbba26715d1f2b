// Progress lines of `hurdle run`: words, times, colour only when asked for, NO_COLOR honoured.
#include "run/progress_printer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <sstream>

namespace hurdle {
namespace {

using ::testing::HasSubstr;

ScenarioResult result(Verdict status, int ms, const std::string& message = "") {
  ScenarioResult r;
  r.status = status;
  r.elapsed = std::chrono::milliseconds(ms);
  r.message = message;
  r.attempts = 1;
  return r;
}

TEST(ProgressPrinter, LinesSayStatusNameAndTimeWithColourOnlyWhenAsked) {
  EXPECT_EQ(progress_line("s", "a", result(Verdict::kPassed, 1250), false), "PASS   s.a  1.25 s");
  EXPECT_EQ(progress_line("s", "a", result(Verdict::kPassed, 1250), true),
            "\x1b[32mPASS  \x1b[0m s.a  1.25 s");
  const auto failed =
      progress_line("s", "b", result(Verdict::kFailed, 10, "x.yaml:3:5: boom\nmore"), false);
  EXPECT_EQ(failed, "FAIL   s.b  0.01 s\n       x.yaml:3:5: boom");
  auto flaky = result(Verdict::kFlaky, 2000);
  flaky.attempts = 2;
  EXPECT_EQ(progress_line("s", "c", flaky, false), "FLAKY  s.c  2.00 s (2 attempts)");
  EXPECT_EQ(progress_line("s", "d", result(Verdict::kSkipped, 0, "not run: why"), false),
            "SKIP   s.d\n       not run: why");
}

TEST(ProgressPrinter, ColourNeedsATerminalAndNoNoColor) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::unsetenv("NO_COLOR");
  EXPECT_FALSE(colour_wanted(fds[1]));  // a pipe is not a terminal
  ::close(fds[0]);
  ::close(fds[1]);
  if (::isatty(STDIN_FILENO) == 1) {  // only when the tests themselves run on a terminal
    EXPECT_TRUE(colour_wanted(STDIN_FILENO));
    ::setenv("NO_COLOR", "1", 1);
    EXPECT_FALSE(colour_wanted(STDIN_FILENO));
    ::unsetenv("NO_COLOR");
  }
}

Suite suite_s() {
  Suite s;
  s.name = "s";
  return s;
}

TEST(ProgressPrinter, TheSummaryCountsFlakyScenariosAsPassedAndSaysSo) {
  std::ostringstream out;
  ProgressPrinter p(out, false);
  Scenario sc;
  sc.name = "a";
  p.scenario_finished(suite_s(), sc, result(Verdict::kPassed, 1000));
  auto flaky = result(Verdict::kFlaky, 1000);
  flaky.attempts = 2;
  p.scenario_finished(suite_s(), sc, flaky);
  p.scenario_finished(suite_s(), sc, result(Verdict::kFailed, 500, "m"));
  p.summary();
  EXPECT_THAT(out.str(),
              HasSubstr("3 scenario(s): 2 passed (1 flaky: passed only on a retry), 1 failed, "
                        "0 error(s) in 2.5 s\nflaky: s.a (2 attempts)\n"));
}

TEST(ProgressPrinter, TheBootGetsItsOwnLineAndSkippedScenariosAreCounted) {
  std::ostringstream out;
  ProgressPrinter p(out, false);
  Scenario sc;
  sc.name = "a";
  auto first = result(Verdict::kPassed, 500);
  first.boot = std::chrono::milliseconds(4030);
  p.scenario_finished(suite_s(), sc, first);
  p.scenario_finished(suite_s(), sc, result(Verdict::kSkipped, 0, "not run"));
  p.summary();
  EXPECT_EQ(out.str(),
            "BOOT   s  4.03 s\nPASS   s.a  0.50 s\nSKIP   s.a\n       not run\n"
            "2 scenario(s): 1 passed, 0 failed, 0 error(s), 1 not run in 4.5 s\n");
}

}  // namespace
}  // namespace hurdle
