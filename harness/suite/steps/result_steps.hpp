// results.import: a project's own test results (automake's test-suite.log, TAP, JUnit XML)
// fetched from the guest and imported test by test; a vacuous pass (nothing ran, or all
// skipped) fails unless allowed. Parsers in results/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "results/result_import.hpp"
#include "suite/steps/step_family.hpp"

namespace hurdle {

// results.import: {format: automake | tap | junit, remote, allow_empty, max_size, timeout}.
struct ResultsImport {
  static constexpr std::array<std::string_view, 1> kKeywords{"results.import"};
  ResultFormat format = ResultFormat::kAutomake;
  std::string remote;
  bool allow_empty = false;  // no test, or all skipped, may pass
  std::optional<std::uint64_t> max_bytes;

  static ResultsImport read(StepReader& r);
  void expand(const TextExpander& expand);
  [[nodiscard]] std::string describe(const Step& step) const;
  [[nodiscard]] nlohmann::json inputs(const Step& step) const;
  void run(const Step& step, StepExecutor& x) const;
};

}  // namespace hurdle
