#include "ssh/ssh_log.hpp"

#include "core/duration_text.hpp"
#include "core/safe_text.hpp"

namespace hurdle {

namespace {

constexpr std::size_t kKeep = 1024;

// The first and last KB of an output, with what was left out in between.
std::string excerpt(const std::string& text) {
  if (text.size() <= 2 * kKeep) return text;
  const std::string_view head = utf8_head(text, kKeep);
  const std::string_view tail = utf8_tail(text, kKeep);
  return std::string(head) + "\n[... " + std::to_string(text.size() - head.size() - tail.size()) +
         " bytes not logged ...]\n" + std::string(tail);
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

SshLog::SshLog(const std::filesystem::path& file) : file_(file, LogFile::Stamp::kLocalTime) {}

void SshLog::add_secret(const std::string& secret) { file_.add_secret(secret); }

void SshLog::line(const std::string& text) { file_.write(text); }

void SshLog::command(const CommandResult& r) {
  file_.write("$ " + r.command + "\n  " +
              (r.signal.empty() ? "status " + std::to_string(r.exit_status)
                                : "killed by signal " + r.signal) +
              " after " + seconds_text(r.elapsed) + ", " + std::to_string(r.out.size()) +
              " bytes of stdout, " + std::to_string(r.err.size()) + " of stderr\n" +
              indented("stdout", excerpt(r.out)) + indented("stderr", excerpt(r.err)));
}

}  // namespace hurdle
