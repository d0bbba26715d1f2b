#include "suite/steps/result_steps.hpp"

#include <filesystem>

#include "config/yaml_reader.hpp"
#include "ssh/ssh_session.hpp"
#include "suite/step.hpp"
#include "suite/step_executor.hpp"
#include "suite/step_reader.hpp"

namespace hurdle {

namespace fs = std::filesystem;

ResultsImport ResultsImport::read(StepReader& r) {
  MappingReader& m = r.require_mapping("{format, remote, allow_empty}");
  ResultsImport s;
  const YAML::Node format = m.require("format");
  const std::string name = as_string(format, r.file());
  const auto known = result_format_named(name);
  if (!known)
    r.fail(format, "expected format automake, tap, junit, dejagnu or glibc, found '" + name + "'");
  s.format = *known;
  s.remote = r.state().text(m.require("remote"));
  if (r.has("allow_empty")) s.allow_empty = as_bool(r.get("allow_empty"), r.file());
  if (r.has("max_size")) s.max_bytes = as_bytes(r.get("max_size"), r.file());
  r.read_timeout();
  return s;
}
void ResultsImport::expand(const TextExpander& expand) { expand(remote); }
std::string ResultsImport::describe(const Step& step) const {
  return described(step, std::string(result_format_name(format)) + " " + remote);
}
nlohmann::json ResultsImport::inputs(const Step&) const {
  return {{"format", result_format_name(format)},
          {"remote", remote},
          {"allow_empty", allow_empty},
          {"max_bytes", max_bytes ? static_cast<std::int64_t>(*max_bytes) : -1}};
}
void ResultsImport::run(const Step& step, StepExecutor& x) const {
  // Fetched into the scenario's report folder, where a person finds the originals.
  const std::string base = fs::path(remote).filename().string();
  const fs::path local =
      x.files() / "imported" /
      (std::to_string(x.next_import_number()) + "-" + (base.empty() ? "results" : base));
  fs::create_directories(local.parent_path());
  x.machine().get(remote, local, x.timeout_of(step),
                  max_bytes.value_or(SshSession::kDefaultGetLimit));
  auto tests = import_results(format, local);
  const ImportVerdict verdict = judge_import(tests, allow_empty);
  x.add_imported(std::move(tests));
  if (!verdict.problem.empty())
    throw StepFailed(step, "every imported test to pass", verdict.problem);
}

}  // namespace hurdle
