// The wall clock as text, for names and stamps: report folders (run-20261124T090728Z-123),
// JUnit timestamps (2026-11-24T09:07:28) and log lines (09:07:28, local time).
#pragma once

#include <string>

namespace hurdle {

enum class TimeZone { kUtc, kLocal };

// The current time through strftime's `format`.
std::string wall_clock_text(const char* format, TimeZone zone = TimeZone::kUtc);

}  // namespace hurdle
