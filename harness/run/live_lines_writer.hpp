// Where a run's `live: true` command lines go: the guest's stdout lines to this process's
// standard output, its stderr lines to standard error, each line written whole under one lock
// (lanes run on threads). With `people_to_stderr` (hurdle exec), standard output is kept for
// the guest's lines alone: what is printed for people (progress, the summary) goes to
// standard error from the moment the writer is made.
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

 private:
  std::mutex mutex_;
  UniqueFd guest_out_;  // the real standard output, when people's lines were moved off it
  UniqueFd saved_out_;  // to put standard output back when the writer goes
};

}  // namespace hurdle
