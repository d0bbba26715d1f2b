// Steps that copy files over SSH: ssh.put (a file, or a folder's contents as one tar stream) and
// ssh.get (into the scenario's report folder, bounded). Machine::put / Machine::get.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "suite/steps/step_family.hpp"

namespace hurdle {

// ssh.put: {local, remote, exclude, timeout}. A relative `local` is the suite file's neighbour.
struct SshPut {
  static constexpr std::array<std::string_view, 1> kKeywords{"ssh.put"};
  std::string local, remote;
  std::vector<std::string> exclude;  // a folder's: glob patterns left out

  static SshPut read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  // Covers what is sent: a file's sha256, or a folder's names, link targets and contents.
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

// ssh.get: {remote, local, max_size, timeout}; `local` inside the scenario's report folder.
struct SshGet {
  static constexpr std::array<std::string_view, 1> kKeywords{"ssh.get"};
  std::string remote, local;
  std::optional<std::uint64_t> max_bytes;  // the most it may fetch

  static SshGet read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

}  // namespace hurdle
