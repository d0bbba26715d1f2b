#include "run/progress_printer.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "core/safe_text.hpp"

namespace hurdle {

namespace {

// "4.03 s": progress lines keep two decimals, so that they line up.
std::string two_decimals(std::chrono::milliseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", std::chrono::duration<double>(d).count());
  return text;
}

}  // namespace

bool colour_wanted(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  return ::isatty(fd) == 1 && (no_colour == nullptr || *no_colour == '\0');
}

std::string progress_line(const std::string& suite, const std::string& scenario,
                          const ScenarioResult& r, bool colour) {
  const char* word = "ERROR";
  const char* code = "\x1b[1;31m";
  switch (r.status) {
    case Verdict::kPassed:
      word = "PASS";
      code = "\x1b[32m";
      break;
    case Verdict::kFlaky:
      word = "FLAKY";
      code = "\x1b[33m";
      break;
    case Verdict::kFailed:
      word = "FAIL";
      code = "\x1b[31m";
      break;
    case Verdict::kSkipped:
      word = "SKIP";
      code = "\x1b[2m";
      break;
    case Verdict::kError:
      break;
  }
  std::string status = word;
  status.resize(6, ' ');
  // Names and messages through safe_line: guest text must not move the cursor or recolour.
  std::string line = (colour ? std::string(code) + status + "\x1b[0m" : status) + " " +
                     safe_line(suite) + "." + safe_line(scenario);
  if (r.status != Verdict::kSkipped) line += "  " + two_decimals(r.elapsed);
  if (r.attempts > 1) line += " (" + std::to_string(r.attempts) + " attempts)";
  if (r.status != Verdict::kPassed && r.status != Verdict::kFlaky)
    line += "\n       " + safe_line(r.message.substr(0, r.message.find('\n')));
  return line;
}

void ProgressPrinter::scenario_finished(const Suite& of, const Scenario& scenario,
                                        const ScenarioResult& r) {
  const std::string& suite = of.name;
  switch (r.status) {
    case Verdict::kPassed:
      ++passed_;
      break;
    case Verdict::kFlaky:
      ++passed_;
      flaky_.push_back(safe_line(suite) + "." + safe_line(scenario.name) + " (" +
                       std::to_string(r.attempts) + " attempts)");
      break;
    case Verdict::kFailed:
      ++failed_;
      break;
    case Verdict::kError:
      ++errors_;
      break;
    case Verdict::kSkipped:
      ++skipped_;
      break;
  }
  seconds_ += std::chrono::duration<double>(r.elapsed + r.boot).count();
  if (r.boot.count() > 0) {
    out_ << (colour_ ? "\x1b[2mBOOT  \x1b[0m " : "BOOT   ") << safe_line(suite) << "  "
         << two_decimals(r.boot) << std::endl;
  }
  out_ << progress_line(suite, scenario.name, r, colour_) << std::endl;
  for (const auto& note : r.notes) out_ << "       note: " << safe_line(note) << std::endl;
  if (!steps_) return;
  for (const auto& step : r.steps) {
    out_ << "       " << (step.passed ? "[ok]     " : "[FAILED] ") << two_decimals(step.elapsed)
         << "  " << safe_line(step.where.str()) << "  " << safe_line(step.step) << std::endl;
    if (!step.passed) out_ << "                " << safe_line(step.message) << std::endl;
  }
}

void ProgressPrinter::summary() {
  char time[32];
  std::snprintf(time, sizeof time, "%.1f s", seconds_);
  out_ << passed_ + failed_ + errors_ + skipped_ << " scenario(s): " << passed_ << " passed";
  if (!flaky_.empty()) out_ << " (" << flaky_.size() << " flaky: passed only on a retry)";
  out_ << ", " << failed_ << " failed, " << errors_ << " error(s)";
  if (skipped_ > 0) out_ << ", " << skipped_ << " not run";
  out_ << " in " << time << std::endl;
  for (const auto& name : flaky_) out_ << "flaky: " << name << std::endl;
}

}  // namespace hurdle
