// The matching side of a console: the cleaned text stream, expect-style searches over it that
// are incremental and bounded, and watchers (e.g. kernel panic patterns) checked on every byte:
// all of them in one pass (an RE2::Set), each one alone only when that pass sees a match. A
// watcher matches within one line (never across a newline), so each look goes back only to the
// start of the line that was still open, not a whole window.
// Not thread-safe: SerialConsole serialises access. Pure logic, so it is unit-tested and
// benchmarked on its own (tests/bench/expect_throughput).
//
// Window rule: a search looks only at text it has not examined yet, plus the `max_match_length`
// bytes before it, so that a match straddling two reads is still found. Each byte is therefore
// examined at most about (1 + max_match_length / read size) times per waiting pattern, whatever
// the length of the stream; a match longer than max_match_length that straddles reads can be
// missed (as with Expect's match_max). Unconsumed text beyond max_history is dropped, oldest first.
#pragma once

#include <re2/re2.h>
#include <re2/set.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hurdle {

// Compiled RE2 patterns, in the order given. Throws ConsoleError naming an invalid pattern.
class PatternSet {
 public:
  explicit PatternSet(const std::vector<std::string>& patterns);
  [[nodiscard]] std::size_t size() const { return regexes_.size(); }
  [[nodiscard]] const RE2& regex(std::size_t i) const { return *regexes_[i]; }
  [[nodiscard]] const std::string& source(std::size_t i) const { return regexes_[i]->pattern(); }
  [[nodiscard]] std::string describe() const;  // "'a' or 'b'"

 private:
  std::vector<std::unique_ptr<RE2>> regexes_;
};

struct ExpectMatch {
  std::size_t index = 0;            // which pattern matched
  std::string text;                 // the whole match
  std::vector<std::string> groups;  // capture groups 1..n ("" when a group took no part)
  std::string before;               // unconsumed text before the match
};

// One wait in progress: its patterns and how far they have searched the stream.
struct ExpectScan {
  explicit ExpectScan(const std::vector<std::string>& patterns) : patterns(patterns) {}
  PatternSet patterns;
  std::optional<std::uint64_t> scanned_until;  // stream offset up to which no match ends
};

struct WatcherHit {
  std::string name;     // the watcher's name, e.g. "panic"
  std::string pattern;  // its regex
  std::string line;     // the console line it matched in (as far as it has arrived)
  bool line_complete = false;
  std::uint64_t offset = 0;  // stream offset where the match starts
};

class ExpectBuffer {
 public:
  struct Limits {
    std::size_t max_match_length = 4096;
    std::size_t max_history = 1u << 20;  // bounds `before`; small enough to stay in cache
  };

  ExpectBuffer() : ExpectBuffer(Limits{}) {}
  explicit ExpectBuffer(Limits limits);

  // Adds cleaned text at the end of the stream and runs the watchers over it.
  void append(std::string_view text);

  // Earliest match of any pattern in the unconsumed text; on a match, consumes through its end.
  std::optional<ExpectMatch> search(ExpectScan& scan);

  // Watchers: every pattern is checked on all text from now on. The first hit is kept.
  void add_watcher(const std::string& name, const std::string& pattern);
  [[nodiscard]] const std::optional<WatcherHit>& watcher_hit() const { return hit_; }
  // Forgets the hit; the next one must start after it (the windows overlap, so it would
  // otherwise be found again).
  void clear_watcher_hit();

  // Forgets all unconsumed text (after a restore the old output no longer describes the guest).
  void discard_unconsumed();

  [[nodiscard]] std::string tail(
      std::size_t bytes) const;  // at most the last bytes, whole characters
  [[nodiscard]] std::uint64_t end_offset() const { return base_ + text_.size(); }
  [[nodiscard]] std::uint64_t consumed_offset() const { return consumed_; }

 private:
  struct Watcher {
    std::string name;
    std::unique_ptr<RE2> regex;
    std::uint64_t scanned_until = 0;
  };

  void run_watchers();
  void rebuild_watcher_set();
  [[nodiscard]] std::uint64_t watch_window_start(std::uint64_t scanned_until) const;
  void extend_hit_line();
  void compact();
  [[nodiscard]] std::string_view view_from(std::uint64_t offset) const;

  Limits limits_;
  std::string text_;        // the stream from base_ on
  std::uint64_t base_ = 0;  // stream offset of text_[0]
  std::uint64_t consumed_ = 0;
  std::vector<Watcher> watchers_;
  // Every watcher's pattern in one set: one pass over new text says whether any can match.
  std::unique_ptr<RE2::Set> watcher_set_;
  std::uint64_t set_scanned_until_ = 0;
  std::uint64_t watch_from_ = 0;  // no hit may start before this stream offset
  std::optional<WatcherHit> hit_;
  std::uint64_t hit_line_until_ = 0;  // stream offset up to which hit_->line has been taken
};

}  // namespace hurdle
