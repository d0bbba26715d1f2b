// The expectations file: read with file:line errors, and applied to a run's report: a known
// failure is skipped with its bug (a failure under strict), a test expected to fail that
// passes is an XPASS, a skip, an expectation for another machine does not apply, a scenario
// failed only by known imported failures passes, and an expectation that matched nothing in
// the history's last runs is stale.
#include "history/expectations.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/private_folder.hpp"
#include "history/history_database.hpp"
#include "history/test_outcome.hpp"
#include "support/paths.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kFile = R"(# hurdle-expectations.yaml
stale_after: 2
expectations:
  - test: "s.known*"
    kind: fails
    bug: https://bugs.debian.org/1
    reason: not on the Hurd yet
  - test: s.other-machine
    kind: fails
    bug: B2
    on: {machine: hurd-*}
  - test: s.wobbly
    kind: flaky
    reason: times out under load
  - test: s.skipped
    kind: skip
    reason: hangs
  - test: "s.glibc.nptl/*"
    kind: fails
    reason: cancellation
  - test: s.never-there
    kind: fails
    bug: B9
)";

ReportCase a_case(const std::string& name, Verdict status) {
  ReportCase c;
  c.name = name;
  c.status = status;
  if (failed(status)) {
    c.type = "StepFailed";
    c.message = "it broke";
  }
  return c;
}

RunReport report() {
  RunReport r;
  ReportSuite s;
  s.name = "s";
  s.properties = {{"profile", "fixtures/machines/linux-mini.yaml"}, {"architecture", "x86_64"}};
  s.cases = {a_case("known-1", Verdict::kFailed),       a_case("known-2", Verdict::kPassed),
             a_case("other-machine", Verdict::kFailed), a_case("wobbly", Verdict::kFailed),
             a_case("skipped", Verdict::kPassed),       a_case("plain", Verdict::kFailed)};
  ReportCase glibc = a_case("glibc", Verdict::kFailed);
  glibc.message = "results.import: 1 of 2 tests did not pass: nptl/tst-cancel17";
  glibc.imported = {a_case("nptl/tst-cancel17", Verdict::kFailed),
                    a_case("elf/tst-tls1", Verdict::kPassed)};
  s.cases.push_back(glibc);
  r.suites.push_back(s);
  return r;
}

const ReportCase& named(const RunReport& r, const std::string& name) {
  for (const auto& c : r.suites[0].cases)
    if (c.name == name) return c;
  throw std::runtime_error(name);
}

class Expectations_ : public ::testing::Test {
 protected:
  fs::path write(const std::string& text) {
    std::ofstream(dir_ / "hurdle-expectations.yaml") << text;
    return dir_ / "hurdle-expectations.yaml";
  }
  PrivateFolder dir_{"expectations"};
};

TEST_F(Expectations_, EachKindIsAppliedToTheReport) {
  const Expectations ex = load_expectations(write(kFile));
  ASSERT_EQ(ex.entries.size(), 6u);
  RunReport r = report();
  const ExpectationFindings f = apply_expectations(r, ex, false, nullptr, 0);
  // A known failure: skipped with its bug, and its own status kept for the history.
  const ReportCase& known = named(r, "known-1");
  EXPECT_EQ(known.status, Verdict::kSkipped);
  ASSERT_TRUE(known.expectation);
  EXPECT_EQ(known.expectation->outcome, "known failure");
  EXPECT_EQ(known.expectation->bug, "https://bugs.debian.org/1");
  EXPECT_EQ(known.expectation->where, (dir_ / "hurdle-expectations.yaml").string() + ":4");
  EXPECT_EQ(outcome_of(known), Outcome::kFailed);
  // Expected to fail, passed: an XPASS, still a pass.
  EXPECT_EQ(named(r, "known-2").status, Verdict::kPassed);
  EXPECT_EQ(named(r, "known-2").expectation->outcome, "XPASS");
  EXPECT_EQ(f.xpass, std::vector<std::string>{"s.known-2"});
  // Another machine's expectation does not apply here.
  EXPECT_EQ(named(r, "other-machine").status, Verdict::kFailed);
  EXPECT_FALSE(named(r, "other-machine").expectation);
  EXPECT_EQ(named(r, "wobbly").status, Verdict::kSkipped);
  EXPECT_EQ(named(r, "wobbly").expectation->outcome, "known flaky");
  EXPECT_EQ(named(r, "skipped").status, Verdict::kSkipped);
  EXPECT_EQ(named(r, "plain").status, Verdict::kFailed);
  // The glibc scenario failed only by a known imported failure: it passes, the test is known.
  const ReportCase& glibc = named(r, "glibc");
  EXPECT_EQ(glibc.status, Verdict::kPassed);
  EXPECT_EQ(glibc.imported[0].status, Verdict::kSkipped);
  EXPECT_EQ(glibc.imported[0].expectation->outcome, "known failure");
  EXPECT_EQ(f.known, 3);
  EXPECT_TRUE(f.stale.empty());  // no history: staleness is not judged
}

TEST_F(Expectations_, StrictKeepsKnownFailuresAndFailsAnXpass) {
  RunReport r = report();
  (void)apply_expectations(r, load_expectations(write(kFile)), true, nullptr, 0);
  EXPECT_EQ(named(r, "known-1").status, Verdict::kFailed);
  EXPECT_EQ(named(r, "known-1").expectation->outcome, "known failure");
  EXPECT_EQ(named(r, "known-2").status, Verdict::kFailed);
  EXPECT_EQ(named(r, "known-2").type, "UnexpectedPass");
  EXPECT_EQ(named(r, "glibc").status, Verdict::kFailed);
}

TEST_F(Expectations_, AnExpectationThatMatchedNothingForItsRunsIsStale) {
  const Expectations ex = load_expectations(write(kFile));
  const fs::path file = dir_ / "history.sqlite";
  HistoryDatabase history(file, HistoryDatabase::Mode::kWrite);
  RunReport r = report();
  // No earlier run: too soon to say.
  EXPECT_TRUE(apply_expectations(r, ex, false, &history, 0).stale.empty());
  (void)history.record(recorded_run_of(report(), {}));
  r = report();
  const ExpectationFindings f = apply_expectations(r, ex, false, &history, 0);
  std::vector<std::string> stale;
  for (const auto* e : f.stale) stale.push_back(e->test);
  // s.never-there matched nothing in this run and the one before; other-machine matched a test.
  EXPECT_EQ(stale, std::vector<std::string>{"s.never-there"});
  EXPECT_THAT(property_values(r, "expectations.stale").at(0), HasSubstr(":21: s.never-there"));
}

// The file the nightly applies to the Hurd suites stays loadable.
TEST_F(Expectations_, TheHurdSuitesFileLoads) {
  const Expectations ex =
      load_expectations(test::source_dir() / "scenarios/hurd-expectations.yaml");
  EXPECT_EQ(ex.stale_after, 7);
}

TEST_F(Expectations_, MistakesNameTheLine) {
  const auto error = [&](const std::string& text) {
    try {
      (void)load_expectations(write(text));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error("expectations:\n  - test: a\n    kind: broken\n    bug: x\n"),
              HasSubstr(":3:11: expected the kind fails, flaky or skip, found 'broken'"));
  EXPECT_THAT(error("expectations:\n  - test: a\n    kind: fails\n"),
              HasSubstr(":2:5: expected a bug or a reason"));
  EXPECT_THAT(error("expectations:\n  - test: a\n    kind: fails\n    bug: x\n    colour: red\n"),
              HasSubstr("colour"));
  EXPECT_THAT(
      error("expectations:\n  - test: a\n    kind: fails\n    bug: x\n    on: {os: hurd}\n"),
      HasSubstr("os"));
  EXPECT_THAT(error("expectation: []\n"), HasSubstr("expectation"));
}

}  // namespace
}  // namespace hurdle
