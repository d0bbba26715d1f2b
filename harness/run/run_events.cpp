#include "run/run_events.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "core/error.hpp"
#include "core/safe_text.hpp"
#include "run/progress_printer.hpp"
#include "run/run_recorder.hpp"

namespace hurdle {

namespace fs = std::filesystem;

std::unique_ptr<RunEvents> RunEvents::open(const std::string& where, SecretMask secrets) {
  if (where == "-") {
    // Standard output is the events' now; what is printed for people (this process's and its
    // children's) goes to standard error from here on.
    std::cout.flush();
    const int fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
      throw ConfigError({}, std::string("--events -: ") + std::strerror(errno));
    return std::unique_ptr<RunEvents>(new RunEvents(fd, UniqueFd(fd), std::move(secrets)));
  }
  if (!where.empty() && where.find_first_not_of("0123456789") == std::string::npos &&
      where.size() < 10) {
    const int fd = std::stoi(where);
    if (::fcntl(fd, F_GETFD) == -1)
      throw ConfigError({}, "--events " + where + ": file descriptor " + where + " is not open");
    return std::unique_ptr<RunEvents>(new RunEvents(fd, UniqueFd(), std::move(secrets)));
  }
  const int fd = ::open(where.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw ConfigError({}, "--events " + where + ": cannot write it: " + std::strerror(errno));
  return std::unique_ptr<RunEvents>(new RunEvents(fd, UniqueFd(fd), std::move(secrets)));
}

void RunEvents::write(const nlohmann::json& event) {
  // One write per line: a reader never sees half of one (a pipe keeps writes of up to
  // PIPE_BUF bytes whole; longer ones come whole unless the reader is gone).
  const std::string line =
      event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  if (broken_) return;
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken_ = true;  // the reader went away: the run goes on without it
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

void RunEvents::run_started(const fs::path& report_dir, const fs::path& junit,
                            const std::vector<std::string>& scenarios) {
  write({{"event", "run_started"},
         {"report_dir", fs::absolute(report_dir).string()},
         {"junit", fs::absolute(junit).string()},
         {"scenarios", scenarios}});
}

void RunEvents::scenario_started(const Suite& suite, const Scenario& scenario) {
  write({{"event", "scenario_started"}, {"suite", suite.name}, {"scenario", scenario.name}});
}

void RunEvents::scenario_finished(const Suite& suite, const Scenario& scenario,
                                  const ScenarioResult& result) {
  write({{"event", "scenario_finished"},
         {"suite", suite.name},
         {"scenario", scenario.name},
         {"status", to_string(result.status)},
         {"seconds", std::chrono::duration<double>(result.elapsed).count()},
         {"attempts", result.attempts},
         {"message", secrets_.masked(safe_text(result.message))},
         {"line", secrets_.masked(progress_line(suite.name, scenario.name, result, false))}});
}

void RunEvents::run_finished(int exit_status, const fs::path& report_dir, const fs::path& junit) {
  write({{"event", "run_finished"},
         {"exit_status", exit_status},
         {"report_dir", fs::absolute(report_dir).string()},
         {"junit", fs::absolute(junit).string()},
         {"summary", fs::absolute(report_dir / "summary.json").string()}});
}

}  // namespace hurdle
