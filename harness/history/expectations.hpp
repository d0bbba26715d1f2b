// The expectations file a project keeps in its repository (hurdle-expectations.yaml): known
// failures, each a test pattern (a glob over SUITE.NAME; a test a scenario imported is
// SUITE.SCENARIO.NAME), where it applies (machine, image, architecture: globs), its kind
// (`fails`, `flaky`, `skip`), a bug and a reason. Read as suites are (file, line and what was
// expected); applied to a run's report once the run ended: a known failure is reported as
// skipped with its bug and does not fail the run unless `strict`; a test expected to fail that
// passes is an XPASS (so that the line can go); an expectation that matched no test in this
// run and in the history's last `stale_after` - 1 runs is stale.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "report/run_report.hpp"

namespace hurdle {

class HistoryDatabase;
struct Suite;

struct Expectation {
  enum class Kind { kFails, kFlaky, kSkip };
  std::string test;  // glob
  Kind kind = Kind::kFails;
  std::string bug, reason;
  std::string machine, image, architecture;  // globs; empty: anywhere
  SourceLocation where;
  [[nodiscard]] std::string where_text() const;
  // " (BUG): REASON", as much of it as is given.
  [[nodiscard]] std::string because() const {
    return (bug.empty() ? "" : " (" + bug + ")") + (reason.empty() ? "" : ": " + reason);
  }
};

[[nodiscard]] const char* to_string(Expectation::Kind kind);

struct Expectations {
  std::filesystem::path file;
  std::vector<Expectation> entries;
  int stale_after = 5;  // runs
};

// Throws ConfigError naming the file, line and column and what was expected.
[[nodiscard]] Expectations load_expectations(const std::filesystem::path& file);

// Where a test ran, as expectations' `machine`, `image` and `architecture` match it: the
// profile's name, the image's lock entries and digests, QEMU's architecture.
struct TestPlace {
  std::string machine;
  std::vector<std::string> images;
  std::string architecture;
};
// The place of `suite`'s cases, from its properties (profile, image.*, architecture).
[[nodiscard]] TestPlace place_of(const ReportSuite& suite);

// The first expectation for test `id` at `place` (of `kinds`, all when empty).
[[nodiscard]] const Expectation* expectation_for(const Expectations& expectations,
                                                 const std::string& id, const TestPlace& place);

struct ExpectationFindings {
  int known = 0;                   // failures the expectations made known
  std::vector<std::string> xpass;  // test ids
  std::vector<const Expectation*> stale;
};

// Applies `expectations` to `report` (see above). `history`, when given, holds the runs
// before this one for the staleness of an expectation (this run need not be in it). Stale
// entries go in the first suite's properties as `expectations.stale`.
ExpectationFindings apply_expectations(RunReport& report, const Expectations& expectations,
                                       bool strict, HistoryDatabase* history,
                                       std::int64_t this_run);

// True when `pattern` (a glob: *, ?, [...]) matches all of `text`.
[[nodiscard]] bool glob_matches(const std::string& pattern, const std::string& text);

}  // namespace hurdle
