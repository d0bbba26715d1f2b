#include "suite/step_executor.hpp"

#include <re2/re2.h>

namespace hurdle {

namespace fs = std::filesystem;

StepFailed::StepFailed(const Step& step, const std::string& expected, const std::string& got)
    : Error(step.where.str() + ": " + step.describe() + ": expected " + expected + ", got " + got),
      expected_(expected),
      got_(got) {}

StepExecutor::StepExecutor(Machine& machine, Variables variables, fs::path files,
                           std::chrono::milliseconds default_timeout)
    : machine_(machine),
      variables_(std::move(variables)),
      files_(std::move(files)),
      default_timeout_(default_timeout) {}

void StepExecutor::run(const Step& written) {
  // Expanded once, so that a failure shows what ran (the command with its values).
  Step step = written;
  const TextExpander expand = [&](std::string& text) {
    text = expand_variables(text, variables_, step.where);
  };
  std::visit([&](auto& payload) { payload.expand(expand); }, step.payload);
  std::visit([&](const auto& payload) { payload.run(step, *this); }, step.payload);
}

void StepExecutor::capture(const std::string& pattern, const std::string& text) {
  const RE2 re(pattern);
  const int n = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(n) + 1);
  if (!re.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), n + 1)) return;
  for (const auto& [name, index] : re.NamedCapturingGroups())
    variables_[name] = std::string(groups[static_cast<std::size_t>(index)]);
}

void StepExecutor::set_variable(const std::string& name, std::string value) {
  variables_[name] = std::move(value);
}

void StepExecutor::add_imported(std::vector<ImportedTest> tests) {
  imported_.insert(imported_.end(), std::make_move_iterator(tests.begin()),
                   std::make_move_iterator(tests.end()));
}

HostService* StepExecutor::service(const std::string& name) {
  const auto it = services_.find(name);
  return it == services_.end() ? nullptr : it->second.get();
}

void StepExecutor::add_service(const std::string& name, std::unique_ptr<HostService> service) {
  services_[name] = std::move(service);
}

}  // namespace hurdle
