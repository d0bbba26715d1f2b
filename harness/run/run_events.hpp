// `hurdle run --events FD|FILE`: the run as JSON lines, for a front end that is not a person
// (the MCP server's run_suite reads them; docs/scenarios.md, "Events", documents them):
//   {"event":"run_started","report_dir":D,"junit":J,"scenarios":["SUITE.SCENARIO",...]}
//   {"event":"scenario_started","suite":S,"scenario":N}
//   {"event":"scenario_finished","suite":S,"scenario":N,"status":"passed|flaky|failed|error|
//    skipped","seconds":T,"attempts":A,"message":M,"line":L}   (L: the progress line,
//    without colour, as `hurdle run` prints it for people)
//   {"event":"run_finished","exit_status":E,"report_dir":D,"junit":J,"summary":F}
// One object per line, written whole and at once. Texts from outside (a scenario's message)
// go through safe_text, and secrets are masked as in every report. A stream that cannot be
// written any more (its reader went away) is given up, never the run.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/secret_mask.hpp"
#include "core/unique_fd.hpp"
#include "engine/run_observer.hpp"

namespace hurdle {

class RunEvents : public RunObserver {
 public:
  // `where`: `-` is standard output, and what the run prints for people goes to standard
  // error instead (std::cout is flushed first); a number is an open file descriptor of this
  // process (not closed here); anything else a file, created or emptied. Throws ConfigError
  // when it cannot be opened.
  static std::unique_ptr<RunEvents> open(const std::string& where, SecretMask secrets);

  void run_started(const std::filesystem::path& report_dir, const std::filesystem::path& junit,
                   const std::vector<std::string>& scenarios);
  void scenario_started(const Suite& suite, const Scenario& scenario) override;
  void scenario_finished(const Suite& suite, const Scenario& scenario,
                         const ScenarioResult& result) override;
  void run_finished(int exit_status, const std::filesystem::path& report_dir,
                    const std::filesystem::path& junit);

 private:
  RunEvents(int fd, UniqueFd owned, SecretMask secrets)
      : fd_(fd), owned_(std::move(owned)), secrets_(std::move(secrets)) {}
  void write(const nlohmann::json& event);

  int fd_;
  UniqueFd owned_;  // the file's descriptor when this opened one
  SecretMask secrets_;
  std::mutex mutex_;
  bool broken_ = false;
};

}  // namespace hurdle
