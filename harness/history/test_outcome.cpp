#include "history/test_outcome.hpp"

#include <cctype>

#include "core/digest.hpp"

namespace hurdle {

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed:
      return "passed";
    case Outcome::kPassedOnRetry:
      return "passed on retry";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kError:
      return "error";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kInfrastructure:
      return "infrastructure";
  }
  return "?";
}

std::optional<Outcome> outcome_from_number(std::int64_t number) {
  if (number < 0 || number > 5) return std::nullopt;
  return static_cast<Outcome>(number);
}

Outcome outcome_of(const ReportCase& c) {
  if (c.type == "InfrastructureError" || c.type == "NotRun") return Outcome::kInfrastructure;
  // A known failure is reported as skipped: the history keeps what the test did.
  if (c.expectation && !c.expectation->status_before.empty()) {
    const std::string& before = c.expectation->status_before;
    if (before == "failed") return Outcome::kFailed;
    if (before == "error") return Outcome::kError;
    if (before == "flaky") return Outcome::kPassedOnRetry;
    if (before == "passed") return Outcome::kPassed;
  }
  switch (c.status) {
    case Verdict::kPassed:
      return Outcome::kPassed;
    case Verdict::kFlaky:
      return Outcome::kPassedOnRetry;
    case Verdict::kFailed:
      return Outcome::kFailed;
    case Verdict::kError:
      return Outcome::kError;
    case Verdict::kSkipped:
      return Outcome::kSkipped;
  }
  return Outcome::kError;
}

std::string message_digest(const std::string& message) {
  if (message.empty()) return {};
  std::string shape;
  shape.reserve(message.size());
  for (const char ch : message)
    if (std::isdigit(static_cast<unsigned char>(ch)) == 0) shape += ch;
  return text_digest(shape).short_hex(16);
}

namespace {

std::string property(const ReportSuite& suite, const std::string& name) {
  for (const auto& [key, value] : suite.properties)
    if (key == name) return value;
  return {};
}

TestOutcome outcome_for(const std::string& suite, const ReportCase& c) {
  TestOutcome t;
  t.suite = suite;
  t.name = c.name;
  t.outcome = outcome_of(c);
  t.seconds = c.seconds;
  t.attempts = c.attempts;
  if (is_failure(t.outcome) || t.outcome == Outcome::kInfrastructure)
    t.message_digest = message_digest(c.message);
  return t;
}

}  // namespace

RecordedRun recorded_run_of(const RunReport& report, RunFacts facts) {
  RecordedRun run;
  if (facts.host.empty()) facts.host = report.hostname;
  double seconds = 0;
  for (const auto& suite : report.suites) {
    if (facts.hurdle_version.empty()) facts.hurdle_version = property(suite, "hurdle.version");
    if (facts.machine.empty()) facts.machine = property(suite, "profile");
    if (const auto digests = image_digests(suite); facts.image_digest.empty() && !digests.empty())
      facts.image_digest = digests.front();
    if (!suite.timestamp.empty() && (facts.started.empty() || suite.timestamp < facts.started))
      facts.started = suite.timestamp;
    seconds += suite.boot_seconds;
    for (const auto& c : suite.cases) {
      seconds += c.seconds;
      run.tests.push_back(outcome_for(suite.name, c));
      for (const auto& i : c.imported)
        run.tests.push_back(outcome_for(suite.name + "." + c.name, i));
    }
  }
  if (facts.seconds == 0) facts.seconds = seconds;
  run.facts = std::move(facts);
  return run;
}

}  // namespace hurdle
