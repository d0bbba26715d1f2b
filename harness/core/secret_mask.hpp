// Values that must never be written anywhere (a suite's secret variables, passwords): every
// report, log and message hurdle writes passes through masked(), which shows "********"
// instead. MaskedStream does the same for a stream written in pieces (the console logs), where
// a secret may arrive split across two reads. Used by LogFile, SerialConsole, the scenario
// runner and the CLI.
#pragma once

#include <cstddef>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace hurdle {

class SecretMask {
 public:
  static constexpr std::string_view kShown = "********";

  SecretMask() = default;
  explicit SecretMask(const std::vector<std::string>& secrets);

  // Empty values are ignored. A value of several lines is masked whole and line by line (as
  // GitHub Actions masks one): what prints it a line at a time, or splits its output into
  // lines, shows each line masked; lines under 3 bytes are left, or every "a" would go.
  void add(const std::string& secret);
  [[nodiscard]] std::string masked(std::string text) const;
  // Whether `text` holds a secret (or a line of one): what must not be kept as it is (a boot
  // cache key, a template's variables).
  [[nodiscard]] bool reveals(std::string_view text) const;
  [[nodiscard]] bool empty() const { return secrets_.empty(); }
  [[nodiscard]] std::size_t longest() const { return longest_; }
  [[nodiscard]] const std::vector<std::string>& secrets() const { return secrets_; }

 private:
  std::vector<std::string> secrets_;  // longest first, so that one inside another is masked whole
  std::size_t longest_ = 0;
};

// Writes a stream to `out` masked: the last longest()-1 bytes are held back until more comes
// (or finish()), so a secret split between two writes is still found whole.
class MaskedStream {
 public:
  MaskedStream(const SecretMask& mask, std::ofstream& out) : mask_(mask), out_(out) {}
  void write(std::string_view bytes);
  void finish();  // writes what was held back

 private:
  const SecretMask& mask_;
  std::ofstream& out_;
  std::string held_;
};

}  // namespace hurdle
