#include "core/log_file.hpp"

#include <cstdio>

#include "core/safe_text.hpp"
#include "core/wall_clock.hpp"

namespace hurdle {

LogFile::LogFile(const std::filesystem::path& file, Stamp stamp)
    : path_(file), stamp_(stamp), out_(file, std::ios::app | std::ios::binary) {}

void LogFile::count_from(std::chrono::steady_clock::time_point start) {
  std::lock_guard lock(mutex_);
  start_ = start;
}

void LogFile::add_secret(const std::string& secret) {
  std::lock_guard lock(mutex_);
  secrets_.add(secret);
}

std::string LogFile::stamp() const {
  if (stamp_ == Stamp::kLocalTime) return wall_clock_text("%H:%M:%S ", TimeZone::kLocal);
  const auto since = start_ == std::chrono::steady_clock::time_point{}
                         ? std::chrono::steady_clock::duration::zero()
                         : std::chrono::steady_clock::now() - start_;
  char text[32];
  std::snprintf(text, sizeof text, "%9.3f ", std::chrono::duration<double>(since).count());
  return text;
}

std::string file_tail(const std::filesystem::path& file, std::size_t bytes) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const std::streamoff size = in.tellg();
  const std::streamoff from =
      size > static_cast<std::streamoff>(bytes) ? size - static_cast<std::streamoff>(bytes) : 0;
  in.seekg(from);
  std::string out(static_cast<std::size_t>(size - from), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

void LogFile::write(std::string_view entry) {
  std::lock_guard lock(mutex_);
  // Masked before it is made safe, so that a secret is found whatever surrounds it.
  std::string text = safe_text(secrets_.masked(std::string(entry)));
  if (text.empty() || text.back() != '\n') text += '\n';
  out_ << stamp() << text;
  out_.flush();
}

}  // namespace hurdle
