// A child's stdout and stderr in one pipe, in the order the child writes them. Passing one
// asio readable_pipe as both stdout and stderr does not do this: Boost.Process makes a new pipe
// for each binding, and the second one (stderr) is lost.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "core/boost_process.hpp"

namespace hurdle::test {

class MergedOutput {
 public:
  explicit MergedOutput(boost::asio::io_context& ctx) : pipe_(ctx) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    pipe_.assign(fds[0]);
    write_fd_ = fds[1];
  }
  ~MergedOutput() { close_write_end(); }
  MergedOutput(const MergedOutput&) = delete;
  MergedOutput& operator=(const MergedOutput&) = delete;

  // For the child: process_stdio{nullptr, out.fd(), out.fd()}.
  [[nodiscard]] int fd() const { return write_fd_; }

  // Everything the child writes until it closes its ends (exits). Call after starting it.
  std::string read_all() {
    close_write_end();
    std::string text;
    boost::system::error_code ec;
    boost::asio::read(pipe_, boost::asio::dynamic_buffer(text), ec);
    return text;
  }

 private:
  void close_write_end() {
    if (write_fd_ >= 0) ::close(write_fd_);
    write_fd_ = -1;
  }

  boost::asio::readable_pipe pipe_;
  int write_fd_ = -1;
};

}  // namespace hurdle::test
