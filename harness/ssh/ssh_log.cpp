#include "ssh/ssh_log.hpp"

#include "core/duration_text.hpp"
#include "core/wall_clock.hpp"

namespace hurdle {

namespace {

constexpr std::size_t kKeep = 1024;

// The first and last KB of an output, with what was left out in between.
std::string excerpt(const std::string& text) {
  if (text.size() <= 2 * kKeep) return text;
  return text.substr(0, kKeep) + "\n[... " + std::to_string(text.size() - 2 * kKeep) +
         " bytes not logged ...]\n" + text.substr(text.size() - kKeep);
}

std::string indented(const std::string& label, const std::string& text) {
  if (text.empty()) return "";
  std::string out = "  " + label + ":\n";
  std::size_t from = 0;
  while (from < text.size()) {
    const std::size_t nl = text.find('\n', from);
    const std::size_t to = nl == std::string::npos ? text.size() : nl;
    out += "    | " + text.substr(from, to - from) + "\n";
    from = to + 1;
  }
  return out;
}

}  // namespace

SshLog::SshLog(const std::filesystem::path& file)
    : path_(file), out_(file, std::ios::app), opened_(std::chrono::system_clock::now()) {}

void SshLog::add_secret(const std::string& secret) {
  if (secret.empty()) return;
  std::lock_guard lock(mutex_);
  secrets_.push_back(secret);
}

std::string SshLog::redacted(std::string text) const {
  for (const auto& secret : secrets_) {
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + 8)) {
      text.replace(at, secret.size(), "********");
    }
  }
  return text;
}

void SshLog::write(const std::string& text) {
  out_ << wall_clock_text("%H:%M:%S ", TimeZone::kLocal) << redacted(text);
  if (text.empty() || text.back() != '\n') out_ << '\n';
  out_.flush();
}

void SshLog::line(const std::string& text) {
  std::lock_guard lock(mutex_);
  write(text);
}

void SshLog::command(const CommandResult& r) {
  std::string entry = "$ " + r.command + "\n  " +
                      (r.signal.empty() ? "status " + std::to_string(r.exit_status)
                                        : "killed by signal " + r.signal) +
                      " after " + seconds_text(r.elapsed) + ", " + std::to_string(r.out.size()) +
                      " bytes of stdout, " + std::to_string(r.err.size()) + " of stderr\n" +
                      indented("stdout", excerpt(r.out)) + indented("stderr", excerpt(r.err));
  std::lock_guard lock(mutex_);
  write(entry);
}

}  // namespace hurdle
