// What changed between a run and the newest one, as plain text fit for a mail or a chat
// message: new failures first (with since when they fail), then fixed tests, then new flakes
// (flaky now, not at the earlier run), then tests gone; nothing else. Also the lists
// `hurdle history failing` and `flaky` print.
#pragma once

#include <cstdint>
#include <string>

#include "history/history_database.hpp"
#include "history/test_verdict.hpp"

namespace hurdle {

// `since`: a run's number, a date (2026-12-01) whose first run is taken, or `previous` (the
// run before the newest: what the newest changed; a history of one run says so). Throws
// HistoryError when there is no such run, or no run after it.
[[nodiscard]] std::string history_digest(HistoryDatabase& history, const std::string& since,
                                         const FlakyRule& rule);

// The tests whose newest outcome is a failure, oldest streak first, with since when.
[[nodiscard]] std::string failing_text(HistoryDatabase& history);
// The tests the rule calls flaky as of their newest outcome, the flakiest first.
[[nodiscard]] std::string flaky_text(HistoryDatabase& history, const FlakyRule& rule);
// A test's (or a glob's tests') outcomes, run by run.
[[nodiscard]] std::string timeline_text(HistoryDatabase& history, const std::string& test);
// Every run, a line each.
[[nodiscard]] std::string runs_text(HistoryDatabase& history);

}  // namespace hurdle
