#include "core/secret_mask.hpp"

#include <algorithm>

namespace hurdle {

SecretMask::SecretMask(const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) add(s);
}

void SecretMask::add(const std::string& secret) {
  if (secret.empty() || std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end())
    return;
  if (secret.find('\n') != std::string::npos) {
    std::size_t from = 0;
    while (from <= secret.size()) {
      const std::size_t nl = std::min(secret.find('\n', from), secret.size());
      std::string line = secret.substr(from, nl - from);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.size() >= 3 && line != secret) add(line);
      from = nl + 1;
    }
  }
  secrets_.push_back(secret);
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  longest_ = std::max(longest_, secret.size());
}

bool SecretMask::reveals(std::string_view text) const {
  return std::any_of(secrets_.begin(), secrets_.end(),
                     [&](const std::string& s) { return text.find(s) != std::string_view::npos; });
}

std::string SecretMask::masked(std::string text) const {
  for (const auto& secret : secrets_) {
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kShown.size())) {
      text.replace(at, secret.size(), kShown);
    }
  }
  return text;
}

void MaskedStream::write(std::string_view bytes) {
  if (mask_.empty()) {
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return;
  }
  held_.append(bytes);
  held_ = mask_.masked(std::move(held_));
  // What may still be the start of a secret stays until more comes.
  const std::size_t keep = std::min(held_.size(), mask_.longest() - 1);
  out_.write(held_.data(), static_cast<std::streamsize>(held_.size() - keep));
  held_.erase(0, held_.size() - keep);
}

void MaskedStream::finish() {
  out_.write(held_.data(), static_cast<std::streamsize>(held_.size()));
  held_.clear();
}

}  // namespace hurdle
