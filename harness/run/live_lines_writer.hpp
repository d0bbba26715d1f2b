// Where a run's `live: true` command lines go: the guest's stdout lines to this process's
// standard output, its stderr lines to standard error, each line written whole under one lock
// (lanes run on threads). With `people_to_stderr` (hurdle exec), standard output is kept for
// the guest's lines alone: what is printed for people (progress, the summary) goes to
// standard error from the moment the writer is made.
//
// In a GitHub Actions job (GITHUB_ACTIONS=true) each live step's lines are folded in a log
// group named after the step, and the runner's workflow commands are stopped while they are
// printed (`::stop-commands::` with a token the guest cannot know): a guest line such as
// `::add-mask::` or `::error::` is shown as text, never acted on.
#pragma once

#include <mutex>
#include <string>

#include "core/unique_fd.hpp"

namespace hurdle {

class LiveLinesWriter {
 public:
  explicit LiveLinesWriter(bool people_to_stderr);
  ~LiveLinesWriter();
  LiveLinesWriter(const LiveLinesWriter&) = delete;
  LiveLinesWriter& operator=(const LiveLinesWriter&) = delete;

  void write(bool err, const std::string& line);
  // A live step starts (`title`, one safe line) or ends (empty).
  void block(const std::string& title);

 private:
  std::mutex mutex_;
  bool github_ = false;
  std::string token_;   // of the stop-commands in force, if any
  UniqueFd guest_out_;  // the real standard output, when people's lines were moved off it
  UniqueFd saved_out_;  // to put standard output back when the writer goes
};

}  // namespace hurdle
