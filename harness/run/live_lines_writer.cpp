#include "run/live_lines_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "core/error.hpp"

namespace hurdle {

namespace {

// All of `text`, or as much as the descriptor takes (a closed pipe loses the rest).
void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// 128 bits from the kernel's random source, as hex: a token the guest cannot guess.
std::string random_token() {
  unsigned char bytes[16];
  UniqueFd fd(::open("/dev/urandom", O_RDONLY | O_CLOEXEC));
  if (!fd.valid() || ::read(fd.get(), bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes))
    throw HostError(std::string("cannot read /dev/urandom: ") + std::strerror(errno));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

LiveLinesWriter::LiveLinesWriter(bool people_to_stderr) {
  const char* actions = std::getenv("GITHUB_ACTIONS");
  github_ = actions != nullptr && std::string(actions) == "true";
  if (!people_to_stderr) return;
  std::cout.flush();
  guest_out_ = UniqueFd(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3));
  saved_out_ = UniqueFd(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3));
  if (!guest_out_.valid() || !saved_out_.valid() || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
    throw HostError(std::string("cannot keep standard output for the guest's lines: ") +
                    std::strerror(errno));
}

LiveLinesWriter::~LiveLinesWriter() {
  if (!saved_out_.valid()) return;
  std::cout.flush();
  (void)::dup2(saved_out_.get(), STDOUT_FILENO);
}

void LiveLinesWriter::write(bool err, const std::string& line) {
  std::lock_guard lock(mutex_);
  if (!err) std::cout.flush();  // people's lines so far come first, when both share a stream
  std::cerr.flush();
  const int fd = err ? STDERR_FILENO : (guest_out_.valid() ? guest_out_.get() : STDOUT_FILENO);
  write_all(fd, line + "\n");
}

void LiveLinesWriter::block(const std::string& title) {
  if (!github_) return;
  std::lock_guard lock(mutex_);
  std::cout.flush();
  std::cerr.flush();
  const int fd = guest_out_.valid() ? guest_out_.get() : STDOUT_FILENO;
  if (!title.empty()) {
    token_ = random_token();
    write_all(fd, "::group::" + title + "\n::stop-commands::" + token_ + "\n");
  } else if (!token_.empty()) {
    write_all(fd, "::" + token_ + "::\n::endgroup::\n");
    token_.clear();
  }
}

}  // namespace hurdle
