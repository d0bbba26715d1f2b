#include "history/history_database.hpp"

#include <unordered_map>

#include "core/error.hpp"
#include "core/wall_clock.hpp"

namespace hurdle {

namespace {

// 'hrdl': the application id hurdle's histories carry (PRAGMA application_id).
constexpr std::int64_t kApplicationId = 0x6872646c;
constexpr std::int64_t kSchemaVersion = 1;

constexpr const char* kSchema = R"(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  recorded TEXT NOT NULL,
  started TEXT NOT NULL,
  commit_id TEXT, ref TEXT, image_digest TEXT, machine TEXT, hurdle_version TEXT, host TEXT,
  seconds REAL NOT NULL,
  verdict TEXT NOT NULL,
  source TEXT
);
-- Each test, with where it stands after the newest run that judged it: a failing streak is
-- known without reading old runs.
CREATE TABLE tests(
  id INTEGER PRIMARY KEY,
  suite TEXT NOT NULL,
  name TEXT NOT NULL,
  first_run INTEGER NOT NULL,
  last_judged_run INTEGER NOT NULL DEFAULT 0,
  last_judged INTEGER NOT NULL DEFAULT 0,
  failing_since INTEGER NOT NULL DEFAULT 0,
  failing_runs INTEGER NOT NULL DEFAULT 0,
  UNIQUE(suite, name)
);
-- One row per test per run, kept together by run: a run is written as one range of pages,
-- and the last runs are read as one.
CREATE TABLE results(
  run INTEGER NOT NULL REFERENCES runs(id),
  test INTEGER NOT NULL REFERENCES tests(id),
  outcome INTEGER NOT NULL,
  milliseconds INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  message_digest TEXT,
  PRIMARY KEY(run, test)
) WITHOUT ROWID;
)";

constexpr const char* kRunColumns =
    "r.id, r.recorded, r.started, r.commit_id, r.ref, r.image_digest, r.machine, "
    "r.hurdle_version, r.host, r.seconds, r.verdict, r.source";

}  // namespace

HistoryDatabase::HistoryDatabase(const std::filesystem::path& file, Mode mode)
    : db_(file,
          mode == Mode::kWrite ? SqliteDatabase::Open::kCreate : SqliteDatabase::Open::kReadOnly) {
  if (mode == Mode::kRead) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
      throw HistoryError(file.string() + ": no history there (`hurdle run --history " +
                         file.string() + "` or `hurdle history add` makes one)");
  }
  create_or_check(mode);
}

void HistoryDatabase::create_or_check(Mode mode) {
  const std::int64_t app = db_.integer_of("PRAGMA application_id");
  const std::int64_t tables = db_.integer_of("SELECT count(*) FROM sqlite_schema");
  const std::string name = db_.file().string();
  if (app != kApplicationId) {
    if (tables > 0 || app != 0)
      throw HistoryError(name + ": not a hurdle history (a SQLite database of another program: " +
                         "application id " + std::to_string(app) + ", " + std::to_string(tables) +
                         " tables); give another file");
    if (mode == Mode::kRead) throw HistoryError(name + ": an empty database, not a history");
    db_.exec("PRAGMA journal_mode=WAL");
    SqliteTransaction t(db_);
    // Another process may have made it while this one waited for the lock.
    if (db_.integer_of("PRAGMA application_id") != kApplicationId) {
      db_.exec(kSchema);
      db_.exec("PRAGMA application_id=" + std::to_string(kApplicationId));
      db_.exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
    }
    t.commit();
    return;
  }
  const std::int64_t version = db_.integer_of("PRAGMA user_version");
  if (version > kSchemaVersion)
    throw HistoryError(name + ": a history of schema " + std::to_string(version) +
                       ", made by a newer hurdle (this one reads schema " +
                       std::to_string(kSchemaVersion) + ")");
  if (version < 1) throw HistoryError(name + ": a history without a schema version: damaged");
  if (mode == Mode::kWrite) db_.exec("PRAGMA journal_mode=WAL");
}

std::int64_t HistoryDatabase::record(const RecordedRun& run) {
  SqliteTransaction t(db_);
  SqliteStatement insert_run(db_,
                             "INSERT INTO runs(recorded, started, commit_id, ref, image_digest, "
                             "machine, hurdle_version, host, seconds, verdict, source) "
                             "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  const RunFacts& f = run.facts;
  insert_run.bind(1, wall_clock_text("%Y-%m-%dT%H:%M:%SZ"))
      .bind(2, f.started.empty() ? wall_clock_text("%Y-%m-%dT%H:%M:%S") : f.started)
      .bind_or_null(3, f.commit)
      .bind_or_null(4, f.ref)
      .bind_or_null(5, f.image_digest)
      .bind_or_null(6, f.machine)
      .bind_or_null(7, f.hurdle_version)
      .bind_or_null(8, f.host)
      .bind(9, f.seconds)
      .bind(10, f.verdict.empty() ? std::string_view("unknown") : std::string_view(f.verdict))
      .bind_or_null(11, f.source);
  insert_run.run();
  const std::int64_t run_id = db_.last_insert_id();

  std::unordered_map<std::string, Standing> known;
  for (auto& [id, standing] : standings())
    known.emplace(standing.test.suite + '\n' + standing.test.name, std::move(standing));
  SqliteStatement add_test(db_, "INSERT INTO tests(suite, name, first_run) VALUES(?, ?, ?)");
  SqliteStatement add_result(db_,
                             "INSERT OR REPLACE INTO results(run, test, outcome, milliseconds, "
                             "attempts, message_digest) VALUES(?,?,?,?,?,?)");
  SqliteStatement stand(db_,
                        "UPDATE tests SET last_judged_run = ?, last_judged = ?, "
                        "failing_since = ?, failing_runs = ? WHERE id = ?");
  for (const auto& test : run.tests) {
    const std::string key = test.suite + '\n' + test.name;
    auto it = known.find(key);
    if (it == known.end()) {
      add_test.bind(1, test.suite).bind(2, test.name).bind(3, run_id);
      add_test.run();
      Standing fresh;
      fresh.test = {db_.last_insert_id(), test.suite, test.name};
      fresh.first_run = run_id;
      it = known.emplace(key, std::move(fresh)).first;
    }
    Standing& k = it->second;
    add_result.bind(1, run_id)
        .bind(2, k.test.id)
        .bind(3, static_cast<std::int64_t>(test.outcome))
        .bind(4, static_cast<std::int64_t>(test.seconds * 1000.0 + 0.5))
        .bind(5, static_cast<std::int64_t>(test.attempts))
        .bind_or_null(6, test.message_digest);
    add_result.run();
    // Skipped and infrastructure outcomes judge nothing: the standing stays.
    if (!is_pass(test.outcome) && !is_failure(test.outcome)) continue;
    if (is_failure(test.outcome)) {
      if (k.last_judged_run == 0 || !is_failure(k.last_judged)) {
        k.failing_since = run_id;
        k.failing_runs = 0;
      }
      ++k.failing_runs;
    } else {
      k.failing_since = 0;
      k.failing_runs = 0;
    }
    k.last_judged_run = run_id;
    k.last_judged = test.outcome;
    stand.bind(1, run_id)
        .bind(2, static_cast<std::int64_t>(test.outcome))
        .bind(3, k.failing_since)
        .bind(4, static_cast<std::int64_t>(k.failing_runs))
        .bind(5, k.test.id);
    stand.run();
  }
  t.commit();
  return run_id;
}

RunRow HistoryDatabase::run_row(SqliteStatement& s) const {
  RunRow r;
  r.id = s.integer(0);
  r.recorded = s.text(1);
  r.facts.started = s.text(2);
  r.facts.commit = s.text(3);
  r.facts.ref = s.text(4);
  r.facts.image_digest = s.text(5);
  r.facts.machine = s.text(6);
  r.facts.hurdle_version = s.text(7);
  r.facts.host = s.text(8);
  r.facts.seconds = s.real(9);
  r.facts.verdict = s.text(10);
  r.facts.source = s.text(11);
  return r;
}

std::optional<RunRow> HistoryDatabase::run(std::int64_t id) {
  SqliteStatement s(db_, std::string("SELECT ") + kRunColumns + " FROM runs r WHERE r.id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return run_row(s);
}

std::vector<RunRow> HistoryDatabase::runs() {
  SqliteStatement s(db_, std::string("SELECT ") + kRunColumns +
                             ", (SELECT count(*) FROM results x WHERE x.run = r.id) "
                             "FROM runs r ORDER BY r.id");
  std::vector<RunRow> rows;
  while (s.step()) {
    rows.push_back(run_row(s));
    rows.back().tests = s.integer(12);
  }
  return rows;
}

std::optional<RunRow> HistoryDatabase::run_before(std::int64_t run) {
  SqliteStatement s(db_, std::string("SELECT ") + kRunColumns +
                             " FROM runs r WHERE (?1 = 0 OR r.id < ?1) ORDER BY r.id DESC LIMIT 1");
  s.bind(1, run);
  if (!s.step()) return std::nullopt;
  return run_row(s);
}

std::optional<RunRow> HistoryDatabase::first_run_since(const std::string& date) {
  SqliteStatement s(db_, std::string("SELECT ") + kRunColumns +
                             " FROM runs r WHERE r.started >= ? ORDER BY r.id LIMIT 1");
  s.bind(1, date);
  if (!s.step()) return std::nullopt;
  return run_row(s);
}

std::vector<std::pair<TestRow, TimelineEntry>> HistoryDatabase::results_of(std::int64_t run) {
  SqliteStatement s(db_,
                    "SELECT t.id, t.suite, t.name, x.outcome, x.milliseconds, x.attempts, "
                    "x.message_digest FROM results x JOIN tests t ON t.id = x.test "
                    "WHERE x.run = ? ORDER BY t.suite, t.name");
  s.bind(1, run);
  std::vector<std::pair<TestRow, TimelineEntry>> rows;
  while (s.step()) {
    TestRow t{s.integer(0), s.text(1), s.text(2)};
    TimelineEntry e;
    e.run.id = run;
    e.outcome = outcome_from_number(s.integer(3)).value_or(Outcome::kError);
    e.seconds = static_cast<double>(s.integer(4)) / 1000.0;
    e.attempts = static_cast<int>(s.integer(5));
    e.message_digest = s.text(6);
    rows.emplace_back(std::move(t), std::move(e));
  }
  return rows;
}

std::vector<TestRow> HistoryDatabase::all_tests() {
  SqliteStatement s(db_, "SELECT id, suite, name FROM tests ORDER BY suite, name");
  std::vector<TestRow> rows;
  while (s.step()) rows.push_back({s.integer(0), s.text(1), s.text(2)});
  return rows;
}

std::vector<TestRow> HistoryDatabase::tests_named(const std::string& id) {
  std::vector<TestRow> rows;
  {
    SqliteStatement s(db_,
                      "SELECT id, suite, name FROM tests WHERE suite || '.' || name = ? "
                      "ORDER BY suite, name");
    s.bind(1, id);
    while (s.step()) rows.push_back({s.integer(0), s.text(1), s.text(2)});
  }
  if (!rows.empty()) return rows;
  SqliteStatement s(db_,
                    "SELECT id, suite, name FROM tests WHERE suite || '.' || name GLOB ? "
                    "ORDER BY suite, name");
  s.bind(1, id);
  while (s.step()) rows.push_back({s.integer(0), s.text(1), s.text(2)});
  return rows;
}

std::map<std::int64_t, std::vector<PastOutcome>> HistoryDatabase::recent_outcomes(
    std::int64_t before, int runs) {
  // The oldest run of the range: the runs-th before `before`.
  SqliteStatement oldest(db_,
                         "SELECT coalesce(min(id), 0) FROM (SELECT id FROM runs WHERE "
                         "(?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2)");
  oldest.bind(1, before).bind(2, static_cast<std::int64_t>(runs));
  const std::int64_t from = oldest.step() ? oldest.integer(0) : 0;
  std::map<std::int64_t, std::vector<PastOutcome>> found;
  if (from == 0) return found;
  SqliteStatement s(db_,
                    "SELECT run, test, outcome FROM results WHERE run >= ?1 AND "
                    "(?2 = 0 OR run < ?2) ORDER BY run DESC");
  s.bind(1, from).bind(2, before);
  while (s.step())
    found[s.integer(1)].push_back(
        {s.integer(0), outcome_from_number(s.integer(2)).value_or(Outcome::kError)});
  return found;
}

std::vector<std::pair<std::int64_t, Outcome>> HistoryDatabase::outcomes_of(std::int64_t run) {
  SqliteStatement s(db_, "SELECT test, outcome FROM results WHERE run = ?");
  s.bind(1, run);
  std::vector<std::pair<std::int64_t, Outcome>> found;
  while (s.step())
    found.emplace_back(s.integer(0), outcome_from_number(s.integer(1)).value_or(Outcome::kError));
  return found;
}

std::vector<TimelineEntry> HistoryDatabase::timeline(std::int64_t test) {
  SqliteStatement s(db_, std::string("SELECT ") + kRunColumns +
                             ", x.outcome, x.milliseconds, x.attempts, x.message_digest "
                             "FROM results x JOIN runs r ON r.id = x.run WHERE x.test = ? "
                             "ORDER BY r.id");
  s.bind(1, test);
  std::vector<TimelineEntry> rows;
  while (s.step()) {
    TimelineEntry e;
    e.run = run_row(s);
    e.outcome = outcome_from_number(s.integer(12)).value_or(Outcome::kError);
    e.seconds = static_cast<double>(s.integer(13)) / 1000.0;
    e.attempts = static_cast<int>(s.integer(14));
    e.message_digest = s.text(15);
    rows.push_back(std::move(e));
  }
  return rows;
}

std::map<std::int64_t, HistoryDatabase::Standing> HistoryDatabase::standings() {
  SqliteStatement s(db_,
                    "SELECT id, suite, name, first_run, last_judged_run, last_judged, "
                    "failing_since, failing_runs FROM tests");
  std::map<std::int64_t, Standing> found;
  while (s.step()) {
    Standing st;
    st.test = {s.integer(0), s.text(1), s.text(2)};
    st.first_run = s.integer(3);
    st.last_judged_run = s.integer(4);
    st.last_judged = outcome_from_number(s.integer(5)).value_or(Outcome::kPassed);
    st.failing_since = s.integer(6);
    st.failing_runs = static_cast<int>(s.integer(7));
    found.emplace(st.test.id, std::move(st));
  }
  return found;
}

}  // namespace hurdle
