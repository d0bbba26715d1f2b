// GitHub Actions workflow commands for the scenarios that did not pass, printed by `hurdle
// run` when GITHUB_ACTIONS=true: "::error file=F,line=L,title=T::MESSAGE" for a failure or an
// error, "::warning ..." for a scenario that passed only on a retry, so that each shows on its
// line of the suite's YAML in a pull request's diff. The file is made relative to
// GITHUB_WORKSPACE (the checkout) when it lies in it; values are escaped as the runner
// requires, so that no guest text can end the command early or start another.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <ostream>

#include "engine/run_observer.hpp"

namespace hurdle {

// On GitHub Actions (GITHUB_ACTIONS=true), the checkout the suite paths are relative to
// (GITHUB_WORKSPACE, or empty when unset); elsewhere nothing: no annotations are printed.
[[nodiscard]] std::optional<std::filesystem::path> github_workspace();

// The workflow command for `result`, or nothing for a pass or a skip.
[[nodiscard]] std::optional<std::string> github_annotation(const std::string& suite,
                                                           const Scenario& scenario,
                                                           const ScenarioResult& result,
                                                           const std::filesystem::path& workspace);

// Prints github_annotation() of each result that has one, one line each.
class GithubAnnotations : public RunObserver {
 public:
  GithubAnnotations(std::ostream& out, std::filesystem::path workspace)
      : out_(out), workspace_(std::move(workspace)) {}
  void scenario_finished(const Suite& suite, const Scenario& scenario,
                         const ScenarioResult& result) override;

 private:
  std::ostream& out_;
  std::filesystem::path workspace_;
};

}  // namespace hurdle
