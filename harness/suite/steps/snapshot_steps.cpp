#include "suite/steps/snapshot_steps.hpp"

#include "suite/step.hpp"
#include "suite/step_executor.hpp"
#include "suite/step_names.hpp"
#include "suite/step_reader.hpp"

namespace hurdle {

SnapshotStep SnapshotStep::read(StepReader& r) {
  SnapshotStep s;
  s.action = r.keyword() == "snapshot.save"      ? Action::kSave
             : r.keyword() == "snapshot.restore" ? Action::kRestore
                                                 : Action::kDelete;
  const YAML::Node tag = r.scalar_or("tag");
  s.tag = r.state().text(tag);
  // Checked as it will run; a captured value is checked again then.
  if (auto problem = snapshot_tag_problem(r.state().expanded(tag, s.tag, "captured"),
                                          s.action != Action::kRestore))
    r.fail(tag, *problem);
  return s;
}
void SnapshotStep::expand(const TextExpander& expand) { expand(tag); }
std::string SnapshotStep::describe(const Step& step) const { return described(step, tag); }
nlohmann::json SnapshotStep::inputs(const Step&) const { return {{"tag", tag}}; }
void SnapshotStep::run(const Step& step, StepExecutor& x) const {
  if (auto problem = snapshot_tag_problem(tag, action != Action::kRestore))
    throw StepFailed(step, "a snapshot tag of the suite's own", *problem);
  switch (action) {
    case Action::kSave:
      x.machine().snapshot(tag);
      return;
    case Action::kRestore:
      x.machine().restore(tag);
      return;
    case Action::kDelete:
      x.machine().delete_snapshot(tag);
      return;
  }
}

}  // namespace hurdle
