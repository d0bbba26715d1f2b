// One SQLite database file, RAII: opened (created when asked), every statement prepared with
// its parameters bound (never text pasted into SQL), rows read by column, and a transaction
// that rolls back unless committed. SQLite's errors become HistoryError naming the file and
// what was being done. Waits up to `busy` for another process's write lock.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hurdle {

class SqliteDatabase;

// A prepared statement: bind from 1, step() until it returns false, read columns from 0.
class SqliteStatement {
 public:
  SqliteStatement(SqliteDatabase& db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind(int index, double value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind_null(int index);
  // Binds `text`, or NULL when it is empty.
  SqliteStatement& bind_or_null(int index, std::string_view text);

  // The next row: true while there is one.
  bool step();
  // Runs a statement that returns no row.
  void run();
  // Ready to run again with new bindings.
  void reset();

  [[nodiscard]] std::int64_t integer(int column) const;
  [[nodiscard]] double real(int column) const;
  [[nodiscard]] std::string text(int column) const;  // "" for NULL
  [[nodiscard]] bool is_null(int column) const;

 private:
  SqliteDatabase& db_;
  sqlite3_stmt* statement_ = nullptr;
};

class SqliteDatabase {
 public:
  enum class Open { kReadOnly, kCreate };
  SqliteDatabase(const std::filesystem::path& file, Open mode,
                 std::chrono::milliseconds busy = std::chrono::seconds(60));
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Runs `sql` (one or more statements, no parameters: hurdle's own text only).
  void exec(std::string_view sql);
  // The first column of the first row of `sql`, as an integer (0 when there is none).
  [[nodiscard]] std::int64_t integer_of(std::string_view sql);
  [[nodiscard]] std::int64_t last_insert_id() const;
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }
  [[nodiscard]] sqlite3* handle() const { return db_; }
  // Throws HistoryError with `doing` and SQLite's message for the last call's `code`.
  [[noreturn]] void fail(int code, std::string_view doing) const;

 private:
  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE (the write lock at once, so two writers take turns instead of one failing
// at its first write); ROLLBACK when destroyed before commit().
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDatabase& db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  void commit();

 private:
  SqliteDatabase& db_;
  bool done_ = false;
};

}  // namespace hurdle
