#include "suite/steps/console_expect_absent.hpp"

#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "suite/step.hpp"
#include "suite/step_executor.hpp"
#include "suite/step_reader.hpp"

namespace hurdle {

ConsoleExpectAbsent ConsoleExpectAbsent::read(StepReader& r) {
  ConsoleExpectAbsent s;
  const YAML::Node p = r.is_mapping() ? r.get("patterns") : r.value();
  if (!p || p.IsNull())
    r.fail(r.where(), "console.expect_absent needs a pattern, or patterns: [..]");
  if (p.IsSequence()) {
    if (p.size() == 0) r.fail(p, "expected at least one pattern");
    for (const auto& one : p) s.patterns.push_back(r.state().regex(one, nullptr));
  } else {
    s.patterns.push_back(r.state().regex(p, nullptr));
  }
  if (r.has("within")) s.within = r.state().duration(r.get("within"));
  return s;
}

void ConsoleExpectAbsent::expand(const TextExpander& expand) {
  for (auto& p : patterns) expand(p);
}

std::string ConsoleExpectAbsent::describe(const Step& step) const {
  std::string detail;
  for (const auto& p : patterns) detail += (detail.empty() ? "'" : " or '") + p + "'";
  return step.keyword + " " + detail + " within " + seconds_text(within);
}

nlohmann::json ConsoleExpectAbsent::inputs(const Step&) const {
  return {{"patterns", patterns}, {"within", within.count()}};
}

void ConsoleExpectAbsent::run(const Step& step, StepExecutor& x) const {
  ExpectMatch seen;
  try {
    seen = x.machine().console().expect(patterns, within);
  } catch (const TimeoutError&) {
    return;  // the window passed without any of them: what the step asks
  }
  throw StepFailed(
      step,
      "no console output matching '" + patterns[seen.index] + "' within " + seconds_text(within),
      "\"" + seen.text + "\"");
}

}  // namespace hurdle
