// A tmux session for a program that needs a terminal (a console, a prompt), driven as a
// person would: keys sent with send-keys, the screen read with capture-pane.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/boost_process.hpp"
#include "support/hurdle_command.hpp"
#include "support/merged_output.hpp"

namespace hurdle::test {

// A tmux session for a program that needs a terminal, killed with the test whatever happens.
class TmuxSession {
 public:
  TmuxSession(std::string name, const std::string& command) : name_(std::move(name)) {
    (void)hurdle_program_run({"tmux", "kill-session", "-t", name_});
    EXPECT_EQ(hurdle_program_run(
                  {"tmux", "new-session", "-d", "-s", name_, "-x", "200", "-y", "50", command}),
              0);
  }
  ~TmuxSession() { (void)hurdle_program_run({"tmux", "kill-session", "-t", name_}); }
  TmuxSession(const TmuxSession&) = delete;
  TmuxSession& operator=(const TmuxSession&) = delete;

  void keys(const std::vector<std::string>& keys) const {
    std::vector<std::string> argv = {"tmux", "send-keys", "-t", name_};
    argv.insert(argv.end(), keys.begin(), keys.end());
    (void)hurdle_program_run(argv);
  }
  // The screen (and its scroll-back) once a line of it equals `line` or contains `part`, or
  // what it held when `timeout` ran out.
  std::string wait_for(const std::string& part, std::chrono::seconds timeout,
                       bool whole_line = false) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string screen;
    while (std::chrono::steady_clock::now() < deadline) {
      screen = capture();
      const bool found = whole_line ? ("\n" + screen).find("\n" + part + "\n") != std::string::npos
                                    : screen.find(part) != std::string::npos;
      if (found) return screen;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return screen;
  }
  [[nodiscard]] std::string capture() const {
    return hurdle::test::program_output(
        {"tmux", "capture-pane", "-p", "-J", "-S", "-200", "-t", name_});
  }

  // argv's exit status; its output is dropped.
  static int hurdle_program_run(const std::vector<std::string>& argv) {
    namespace bp = boost::process::v2;
    boost::asio::io_context ctx;
    bp::process p(ctx, bp::environment::find_executable(argv[0]),
                  std::vector<std::string>(argv.begin() + 1, argv.end()),
                  bp::process_stdio{nullptr, nullptr, nullptr});
    return p.wait();
  }

 private:
  std::string name_;
};

}  // namespace hurdle::test
