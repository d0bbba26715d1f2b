// The history: one SQLite file of runs and of each test's outcome in each run. Opened as
// hostile input: a file that is not SQLite, is damaged, or is another program's database (its
// application id) is refused with a HistoryError naming it, and so is one a newer hurdle made.
// WAL mode, and a wait for the write lock, so that two runs recording at once both land.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "history/sqlite_database.hpp"
#include "history/test_outcome.hpp"
#include "history/test_verdict.hpp"

namespace hurdle {

struct RunRow {
  std::int64_t id = 0;
  RunFacts facts;
  std::string recorded;  // when it was recorded, ISO 8601 UTC
  std::int64_t tests = 0;
};

struct TestRow {
  std::int64_t id = 0;
  std::string suite, name;
  [[nodiscard]] std::string id_text() const { return suite + "." + name; }
};

// One outcome of a test, with its run.
struct TimelineEntry {
  RunRow run;
  Outcome outcome = Outcome::kPassed;
  double seconds = 0;
  int attempts = 1;
  std::string message_digest;
};

class HistoryDatabase {
 public:
  enum class Mode { kRead, kWrite };  // kWrite creates the file
  HistoryDatabase(const std::filesystem::path& file, Mode mode);

  // Records `run` in one transaction; its id.
  std::int64_t record(const RecordedRun& run);

  [[nodiscard]] std::optional<RunRow> run(std::int64_t id);
  // Every run, oldest first.
  [[nodiscard]] std::vector<RunRow> runs();
  // The last run recorded before `run` (0: the newest).
  [[nodiscard]] std::optional<RunRow> run_before(std::int64_t run);
  // The first run recorded at or after `date` (ISO 8601 or a prefix of it, "2026-12-01").
  [[nodiscard]] std::optional<RunRow> first_run_since(const std::string& date);

  // The tests of `run` with their outcomes.
  [[nodiscard]] std::vector<std::pair<TestRow, TimelineEntry>> results_of(std::int64_t run);
  // Tests whose id ("SUITE.NAME") is `id`, or, when none is, whose id matches it as a glob.
  [[nodiscard]] std::vector<TestRow> tests_named(const std::string& id);
  [[nodiscard]] std::vector<TestRow> all_tests();
  // Every test's outcomes in the `runs` runs recorded before `before` (0: the newest runs),
  // newest first: one range of the results, which are kept by run.
  [[nodiscard]] std::map<std::int64_t, std::vector<PastOutcome>> recent_outcomes(
      std::int64_t before, int runs);
  // The outcome of each test of `run`, by test id: one range of the results.
  [[nodiscard]] std::vector<std::pair<std::int64_t, Outcome>> outcomes_of(std::int64_t run);
  // A test's outcomes, oldest first (reads every result: for one test at a time).
  [[nodiscard]] std::vector<TimelineEntry> timeline(std::int64_t test);
  // Where each test stands after the newest run that judged it (passed or failed): kept up to
  // date by record(), so that neither "since when" nor "failing now" reads old runs.
  struct Standing {
    TestRow test;
    std::int64_t first_run = 0;        // the first run that had it
    std::int64_t last_judged_run = 0;  // the newest that passed or failed it
    Outcome last_judged = Outcome::kPassed;
    std::int64_t failing_since = 0;  // the first failure of the streak (0: none)
    int failing_runs = 0;
  };
  [[nodiscard]] std::map<std::int64_t, Standing> standings();

  [[nodiscard]] SqliteDatabase& sql() { return db_; }

 private:
  void create_or_check(Mode mode);
  RunRow run_row(SqliteStatement& s) const;  // from the columns kRunColumns lists

  SqliteDatabase db_;
};

}  // namespace hurdle
