#include "ssh/command_result.hpp"

#include "core/duration_text.hpp"
#include "core/safe_text.hpp"

namespace hurdle {

namespace {

std::string shown(const std::string& text) {
  constexpr std::size_t kMax = 2048;
  if (text.empty()) return "(empty)";
  if (text.size() <= kMax) return text;
  const std::string_view tail = utf8_tail(text, kMax);
  return "[... " + std::to_string(text.size() - tail.size()) + " bytes before ...]" +
         std::string(tail);
}

}  // namespace

std::string CommandResult::describe() const {
  std::string status = signal.empty() ? "exited with status " + std::to_string(exit_status)
                                      : "was killed by signal " + signal;
  return "`" + command + "` " + status + " after " + seconds_text(elapsed) +
         "\nstdout: " + shown(out) + "\nstderr: " + shown(err);
}

CommandFailed::CommandFailed(const std::string& machine, const std::string& expectation,
                             CommandResult result)
    : Error(machine + ": expected " + expectation + ", but " + result.describe()),
      result_(std::move(result)) {}

}  // namespace hurdle
