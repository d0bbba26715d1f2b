// The history: one SQLite file of runs and of each test's outcome in each run. Opened as
// hostile input: a file that is not SQLite, is damaged, or is another program's database (its
// application id) is refused with a HistoryError naming it, and so is one a newer hurdle made.
// WAL mode, and a wait for the write lock, so that two runs recording at once both land.
#pragma once

#include <cstdint>
#include <filesystem>
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
  // The test's outcomes before `before` (0: all), newest first, at most `limit` (0: all).
  [[nodiscard]] std::vector<PastOutcome> past(std::int64_t test, std::int64_t before, int limit);
  [[nodiscard]] std::vector<TimelineEntry> timeline(std::int64_t test);
  // The failures in a row that end at `run` (its own included): the first run of the streak
  // and how many.
  struct Streak {
    std::int64_t since = 0;
    int runs = 0;
  };
  [[nodiscard]] Streak failing_streak(std::int64_t test, std::int64_t run);

  [[nodiscard]] SqliteDatabase& sql() { return db_; }

 private:
  void create_or_check(Mode mode);
  RunRow run_row(SqliteStatement& s) const;  // from the columns kRunColumns lists

  SqliteDatabase db_;
};

}  // namespace hurdle
