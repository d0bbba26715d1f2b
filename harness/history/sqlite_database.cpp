#include "history/sqlite_database.hpp"

#include "core/error.hpp"

namespace hurdle {

SqliteDatabase::SqliteDatabase(const std::filesystem::path& file, Open mode,
                               std::chrono::milliseconds busy)
    : file_(file) {
  const int flags =
      (mode == Open::kCreate ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(file.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw HistoryError(file.string() + ": cannot open it as a history database: " + why);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(busy.count()));
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close(db_); }

void SqliteDatabase::fail(int code, std::string_view doing) const {
  std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
  if ((code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT)
    why += " (the file is not a SQLite database, or it is damaged)";
  if ((code & 0xff) == SQLITE_BUSY) why += " (another process held it longer than hurdle waits)";
  throw HistoryError(file_.string() + ": " + std::string(doing) + ": " + why);
}

void SqliteDatabase::exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return;
  sqlite3_free(message);
  fail(rc, "running '" + text.substr(0, 60) + "'");
}

std::int64_t SqliteDatabase::integer_of(std::string_view sql) {
  SqliteStatement s(*this, sql);
  return s.step() ? s.integer(0) : 0;
}

std::int64_t SqliteDatabase::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }

SqliteStatement::SqliteStatement(SqliteDatabase& db, std::string_view sql) : db_(db) {
  const int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    &statement_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, "reading it");
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

namespace {
void check_bind(SqliteDatabase& db, int rc) {
  if (rc != SQLITE_OK) db.fail(rc, "binding a value");
}
}  // namespace

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  check_bind(db_, sqlite3_bind_int64(statement_, index, value));
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, double value) {
  check_bind(db_, sqlite3_bind_double(statement_, index, value));
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  check_bind(db_, sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                      SQLITE_UTF8));
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  check_bind(db_, sqlite3_bind_null(statement_, index));
  return *this;
}

SqliteStatement& SqliteStatement::bind_or_null(int index, std::string_view text) {
  return text.empty() ? bind_null(index) : bind(index, text);
}

bool SqliteStatement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail(rc, "reading or writing it");
}

void SqliteStatement::run() {
  while (step()) {
  }
  reset();
}

void SqliteStatement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

std::int64_t SqliteStatement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

double SqliteStatement::real(int column) const { return sqlite3_column_double(statement_, column); }

std::string SqliteStatement::text(int column) const {
  const auto* p = sqlite3_column_text(statement_, column);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p),
          static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

bool SqliteStatement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

SqliteTransaction::SqliteTransaction(SqliteDatabase& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

SqliteTransaction::~SqliteTransaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteTransaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace hurdle
