// Workflow commands for GitHub Actions: the suite file relative to the checkout, the scenario's
// line, and guest text escaped so that it can neither end the command nor start another.
#include "run/github_annotations.hpp"

#include <gtest/gtest.h>

namespace hurdle {
namespace {

Scenario scenario_at(const char* file, std::size_t line) {
  Scenario sc;
  sc.name = "boots";
  sc.where = {file, line, 5};
  return sc;
}

TEST(GithubAnnotation, AFailureIsAnErrorOnItsStepsLineRelativeToTheCheckout) {
  const Scenario sc = scenario_at("/repo/ci/hurd.yaml", 12);
  ScenarioResult r;
  r.status = Verdict::kFailed;
  r.where = {"/repo/ci/hurd.yaml", 17, 9};
  r.message = "ci/hurd.yaml:17:9: expected \"GNU\\n\", got 100% \"Linux\"\n::error::forged, here";
  EXPECT_EQ(github_annotation("smoke", sc, r, "/repo"),
            "::error file=ci/hurd.yaml,line=17,title=smoke.boots failed::ci/hurd.yaml:17:9: "
            "expected \"GNU\\n\", got 100%25 \"Linux\"%0A::error::forged, here");
}

TEST(GithubAnnotation, AFileOutsideTheCheckoutKeepsItsPathAndPropertiesAreEscaped) {
  const Scenario sc = scenario_at("/elsewhere/a,b:c.yaml", 3);
  ScenarioResult r;
  r.status = Verdict::kError;
  r.error_kind = "QemuError";
  r.message = "QEMU exited";
  EXPECT_EQ(github_annotation("s", sc, r, "/repo"),
            "::error file=/elsewhere/a%2Cb%3Ac.yaml,line=3,title=s.boots error (QemuError)::QEMU "
            "exited");
}

TEST(GithubAnnotation, AFlakyScenarioIsAWarningAndAPassIsNothing) {
  const Scenario sc = scenario_at("/repo/s.yaml", 4);
  ScenarioResult r;
  r.status = Verdict::kFlaky;
  r.attempts = 2;
  EXPECT_EQ(github_annotation("s", sc, r, "/repo"),
            "::warning file=s.yaml,line=4,title=s.boots passed only on attempt 2::passed only on "
            "attempt 2");
  r.status = Verdict::kPassed;
  EXPECT_FALSE(github_annotation("s", sc, r, "/repo"));
  r.status = Verdict::kSkipped;
  EXPECT_FALSE(github_annotation("s", sc, r, "/repo"));
}

}  // namespace
}  // namespace hurdle
