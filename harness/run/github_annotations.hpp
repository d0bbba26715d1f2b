// GitHub Actions workflow commands for the scenarios that did not pass, printed by `hurdle
// run` when GITHUB_ACTIONS=true: "::error file=F,line=L,title=T::MESSAGE" for a failure or an
// error, "::warning ..." for a scenario that passed only on a retry, so that each shows on its
// line of the suite's YAML in a pull request's diff. The file is made relative to
// GITHUB_WORKSPACE (the checkout) when it lies in it; values are escaped as the runner
// requires, so that no guest text can end the command early or start another.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

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

// Prints github_annotation() of each result that has one, one line each, as each scenario
// ends; or, for a run with a history (`only_new_failures`), keeps them until the history has
// judged the run and prints those of its new failures alone.
class GithubAnnotations : public RunObserver {
 public:
  GithubAnnotations(std::ostream& out, std::filesystem::path workspace,
                    bool only_new_failures = false)
      : out_(out), workspace_(std::move(workspace)), deferred_(only_new_failures) {}
  void scenario_finished(const Suite& suite, const Scenario& scenario,
                         const ScenarioResult& result) override;
  // The kept annotations of the scenarios `ids` names (SUITE.SCENARIO), or of the scenario
  // that imported a test it names (SUITE.SCENARIO.TEST), once each.
  void print_new_failures(const std::vector<std::string>& ids);

 private:
  std::ostream& out_;
  std::filesystem::path workspace_;
  bool deferred_ = false;
  std::mutex mutex_;
  std::map<std::string, std::string> kept_;  // SUITE.SCENARIO -> its annotation
};

}  // namespace hurdle
