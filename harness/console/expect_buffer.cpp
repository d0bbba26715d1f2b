#include "console/expect_buffer.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/safe_text.hpp"

namespace hurdle {

namespace {

// Context kept before the unconsumed text, for tail() and for straddling watcher matches.
constexpr std::size_t kKeepBehind = 64 * 1024;

std::unique_ptr<RE2> compile(const std::string& pattern, bool within_a_line = false) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_never_nl(within_a_line);
  options.set_max_mem(64 << 20);
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) {
    throw ConsoleError("invalid pattern '" + pattern + "': " + re->error());
  }
  return re;
}

}  // namespace

PatternSet::PatternSet(const std::vector<std::string>& patterns) {
  if (patterns.empty()) throw ConsoleError("expect needs at least one pattern");
  for (const auto& p : patterns) regexes_.push_back(compile(p));
}

std::string PatternSet::describe() const {
  std::string s;
  for (std::size_t i = 0; i < regexes_.size(); ++i) {
    if (i > 0) s += " or ";
    s += "'" + regexes_[i]->pattern() + "'";
  }
  return s;
}

ExpectBuffer::ExpectBuffer(Limits limits) : limits_(limits) {}

std::string_view ExpectBuffer::view_from(std::uint64_t offset) const {
  return std::string_view(text_).substr(static_cast<std::size_t>(offset - base_));
}

void ExpectBuffer::append(std::string_view text) {
  if (text.empty()) return;
  text_.append(text);
  if (end_offset() - consumed_ > limits_.max_history)
    consumed_ = end_offset() - limits_.max_history;
  extend_hit_line();
  run_watchers();
  compact();
}

void ExpectBuffer::run_watchers() {
  if (hit_ || watchers_.empty()) return;  // the first hit stands until cleared
  // Watchers see the whole stream, consumed or not; the context starts kKeepBehind back at most.
  const std::string_view all = text_;
  if (watcher_set_) {
    // The common case, no watcher matches, costs one pass over the new text whatever the
    // number of watchers; the set's window is the widest any watcher's can be.
    const std::uint64_t start = watch_window_start(set_scanned_until_);
    set_scanned_until_ = end_offset();
    if (!watcher_set_->Match(all.substr(static_cast<std::size_t>(start - base_)), nullptr)) {
      for (auto& w : watchers_) w.scanned_until = end_offset();
      return;
    }
  }
  // A watcher may match: each one finds where, from its own position, with the text before it
  // as context (the set saw the window alone, so it may say yes where none matches).
  for (auto& w : watchers_) {
    const std::uint64_t start = watch_window_start(w.scanned_until);
    w.scanned_until = end_offset();
    re2::StringPiece match;
    if (!w.regex->Match(all, static_cast<std::size_t>(start - base_), all.size(), RE2::UNANCHORED,
                        &match, 1)) {
      continue;
    }
    const std::size_t at = static_cast<std::size_t>(match.data() - all.data());
    const std::size_t line_start = all.rfind('\n', at == 0 ? 0 : at - 1);
    const std::size_t from = (line_start == std::string_view::npos || at == 0) ? 0 : line_start + 1;
    const std::size_t nl = all.find('\n', at);
    const std::size_t to = nl == std::string_view::npos ? all.size() : nl;
    hit_ = WatcherHit{w.name, w.regex->pattern(), std::string(all.substr(from, to - from)),
                      nl != std::string_view::npos, base_ + at};
    hit_line_until_ = end_offset();
    return;
  }
}

std::uint64_t ExpectBuffer::watch_window_start(std::uint64_t scanned_until) const {
  // A watcher matches within one line: the text to look at again is the line that was still
  // open where the last look ended (at most max_match_length of it), not a whole window.
  const std::uint64_t floor = std::max<std::uint64_t>(
      std::max(base_, watch_from_),
      scanned_until > limits_.max_match_length ? scanned_until - limits_.max_match_length : 0);
  if (scanned_until <= floor) return floor;
  const std::size_t nl = text_.rfind('\n', static_cast<std::size_t>(scanned_until - base_ - 1));
  if (nl == std::string::npos || base_ + nl + 1 < floor) return floor;
  return base_ + nl + 1;
}

void ExpectBuffer::extend_hit_line() {
  if (!hit_ || hit_->line_complete) return;
  // The line so far ends where the stream ended at the last append; take what came after it.
  const std::string_view fresh = view_from(std::max(hit_line_until_, base_));
  hit_line_until_ = end_offset();
  const std::size_t nl = fresh.find('\n');
  hit_->line.append(fresh.substr(0, nl == std::string_view::npos ? fresh.size() : nl));
  if (nl != std::string_view::npos || hit_->line.size() > 4096) hit_->line_complete = true;
}

std::optional<ExpectMatch> ExpectBuffer::search(ExpectScan& scan) {
  const std::uint64_t end = end_offset();
  if (scan.scanned_until && *scan.scanned_until >= end) return std::nullopt;  // nothing new
  std::uint64_t start = consumed_;
  if (scan.scanned_until && *scan.scanned_until > consumed_ + limits_.max_match_length) {
    start = *scan.scanned_until - limits_.max_match_length;
  }
  scan.scanned_until = end;

  // The unconsumed text is RE2's whole text, so '^' and '\b' see the right context.
  const std::string_view unconsumed = view_from(consumed_);
  const std::size_t from = static_cast<std::size_t>(start - consumed_);
  std::optional<ExpectMatch> best;
  std::size_t best_at = 0;
  std::vector<re2::StringPiece> groups;
  for (std::size_t i = 0; i < scan.patterns.size(); ++i) {
    const RE2& re = scan.patterns.regex(i);
    const int n = re.NumberOfCapturingGroups() + 1;
    groups.assign(static_cast<std::size_t>(n), re2::StringPiece());
    // A later pattern only matters if it matches before the best match so far.
    const std::size_t limit =
        best ? std::min(unconsumed.size(), best_at + best->text.size()) : unconsumed.size();
    if (!re.Match(unconsumed, from, limit, RE2::UNANCHORED, groups.data(), n)) continue;
    const std::size_t at = static_cast<std::size_t>(groups[0].data() - unconsumed.data());
    if (best && at >= best_at) continue;
    best = ExpectMatch{i, std::string(groups[0]), {}, std::string(unconsumed.substr(0, at))};
    best_at = at;
    for (int g = 1; g < n; ++g) best->groups.emplace_back(groups[static_cast<std::size_t>(g)]);
  }
  if (best) {
    consumed_ += best_at + best->text.size();
    scan.scanned_until.reset();  // the next search starts afresh after the match
    compact();
  }
  return best;
}

void ExpectBuffer::add_watcher(const std::string& name, const std::string& pattern) {
  watchers_.push_back(Watcher{name, compile(pattern, true), end_offset()});
  rebuild_watcher_set();
}

void ExpectBuffer::clear_watcher_hit() {
  if (hit_) watch_from_ = std::max(watch_from_, hit_->offset + 1);
  hit_.reset();
}

void ExpectBuffer::rebuild_watcher_set() {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  options.set_never_nl(true);
  auto set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  for (const auto& w : watchers_) {
    if (set->Add(w.regex->pattern(), nullptr) < 0) {
      set.reset();  // each watcher alone still works
      break;
    }
  }
  if (set && !set->Compile()) set.reset();
  watcher_set_ = std::move(set);
  // Text before the newest watcher was added was seen by the others alone: the set starts now.
  set_scanned_until_ = end_offset();
}

void ExpectBuffer::discard_unconsumed() {
  consumed_ = end_offset();
  compact();
}

std::string ExpectBuffer::tail(std::size_t bytes) const {
  return std::string(utf8_tail(text_, bytes));
}

void ExpectBuffer::compact() {
  // Drop text that is consumed and more than kKeepBehind behind the end, in large steps only,
  // so that the cost stays amortised O(1) per byte.
  const std::uint64_t keep_from =
      std::min(consumed_, end_offset() - std::min<std::uint64_t>(end_offset(), kKeepBehind));
  const std::uint64_t droppable = keep_from > base_ ? keep_from - base_ : 0;
  if (droppable < kKeepBehind || droppable < text_.size() / 2) return;
  text_.erase(0, static_cast<std::size_t>(droppable));
  base_ += droppable;
}

}  // namespace hurdle
