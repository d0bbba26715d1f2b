// What the history keeps of one test in one run, and of the run itself: plain data between a
// run's report and the database. A test is named by its JUnit classname and name (a scenario:
// SUITE and SCENARIO; a test a scenario imported: SUITE.SCENARIO and its own name), so that a
// run recorded as it ends and its JUnit file added later name the same tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/run_report.hpp"

namespace hurdle {

// Stored as its number: never renumber.
enum class Outcome {
  kPassed = 0,
  kPassedOnRetry = 1,
  kFailed = 2,
  kError = 3,
  kSkipped = 4,
  kInfrastructure = 5,  // the machinery failed, not the test: never judged as the test's
};

[[nodiscard]] const char* to_string(Outcome outcome);
[[nodiscard]] std::optional<Outcome> outcome_from_number(std::int64_t number);
[[nodiscard]] constexpr bool is_failure(Outcome o) {
  return o == Outcome::kFailed || o == Outcome::kError;
}
[[nodiscard]] constexpr bool is_pass(Outcome o) {
  return o == Outcome::kPassed || o == Outcome::kPassedOnRetry;
}

struct TestOutcome {
  std::string suite;  // the JUnit classname
  std::string name;
  Outcome outcome = Outcome::kPassed;
  double seconds = 0;
  int attempts = 1;
  std::string message_digest;  // of the failure's message with its numbers left out; "" else
  [[nodiscard]] std::string id() const { return suite + "." + name; }
};

// What is known of a run where it was recorded.
struct RunFacts {
  std::string started;  // ISO 8601
  std::string commit, ref;
  std::string image_digest;
  std::string machine;
  std::string hurdle_version;
  std::string host;
  double seconds = 0;
  std::string verdict;  // "passed", "failed", "infrastructure"
  std::string source;   // "hurdle run", or the JUnit files added
};

struct RecordedRun {
  RunFacts facts;
  std::vector<TestOutcome> tests;
};

// The case's outcome: an infrastructure error (InfrastructureError, or NotRun: the run was
// killed first) is the machinery's, not the test's.
[[nodiscard]] Outcome outcome_of(const ReportCase& c);
// The digest of a failure's message with its digits left out (so that a time or an address
// does not make the same failure look new); "" for an empty message.
[[nodiscard]] std::string message_digest(const std::string& message);
// Every case of `report` and every test its scenarios imported, with the facts the report
// holds (host, hurdle's version, the first suite's profile and image digest, the earliest
// suite's start, the sum of the cases' times) under `facts`' own.
[[nodiscard]] RecordedRun recorded_run_of(const RunReport& report, RunFacts facts);

}  // namespace hurdle
