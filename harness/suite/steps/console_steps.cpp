#include "suite/steps/console_steps.hpp"

#include "config/yaml_reader.hpp"
#include "core/digest.hpp"
#include "suite/step.hpp"
#include "suite/step_executor.hpp"
#include "suite/step_reader.hpp"

namespace hurdle {

ConsoleSend ConsoleSend::read(StepReader& r) {
  ConsoleSend s;
  s.text = r.state().text(r.scalar_or("text"));
  if (r.has("newline")) s.newline = as_bool(r.get("newline"), r.file());
  if (r.has("raw")) {
    if (r.has("newline")) r.fail(r.get("raw"), "give newline: false or raw: true, not both");
    s.newline = !as_bool(r.get("raw"), r.file());
  }
  return s;
}
void ConsoleSend::expand(const TextExpander& expand) { expand(text); }
std::string ConsoleSend::describe(const Step& step) const { return described(step, text); }
nlohmann::json ConsoleSend::inputs(const Step&) const {
  return {{"text", text}, {"newline", newline}};
}
void ConsoleSend::run(const Step&, StepExecutor& x) const {
  if (newline)
    x.machine().console().sendline(text);
  else
    x.machine().console().send(text);
}

ConsoleExpect ConsoleExpect::read(StepReader& r) {
  ConsoleExpect s;
  const YAML::Node p = r.is_mapping() ? r.get("patterns") : r.value();
  if (!p || p.IsNull()) r.fail(r.where(), "console.expect needs a pattern, or patterns: [..]");
  if (p.IsSequence()) {
    if (p.size() == 0) r.fail(p, "expected at least one pattern");
    for (const auto& one : p) s.patterns.push_back(r.state().regex(one, &r.captures()));
  } else {
    s.patterns.push_back(r.state().regex(p, &r.captures()));
  }
  r.read_timeout();
  return s;
}
void ConsoleExpect::expand(const TextExpander& expand) {
  for (auto& p : patterns) expand(p);
}
std::string ConsoleExpect::describe(const Step& step) const {
  std::string detail;
  for (const auto& p : patterns) detail += (detail.empty() ? "'" : " or '") + p + "'";
  return step.keyword + " " + detail;
}
nlohmann::json ConsoleExpect::inputs(const Step&) const { return {{"patterns", patterns}}; }
void ConsoleExpect::run(const Step& step, StepExecutor& x) const {
  const ExpectMatch m = x.machine().console().expect(patterns, x.timeout_of(step));
  x.capture(patterns[m.index], m.text);
}

ConsoleLogin ConsoleLogin::read(StepReader& r) {
  r.refuse_scalar("{} or {user, password}");
  ConsoleLogin s;
  if (r.has("user")) s.user = r.state().text(r.get("user"));
  if (r.has("password")) s.password = r.state().text(r.get("password"));
  r.read_timeout();
  return s;
}
void ConsoleLogin::expand(const TextExpander& expand) {
  if (user) expand(*user);
  if (password) expand(*password);
}
std::string ConsoleLogin::describe(const Step& step) const {
  return described(step, user.value_or(""));
}
nlohmann::json ConsoleLogin::inputs(const Step&) const {
  // The password's digest: the key names what shaped the template, never a secret.
  return {{"user", user ? nlohmann::json(*user) : nlohmann::json()},
          {"password", password ? nlohmann::json(text_digest(*password).hex) : nlohmann::json()}};
}
void ConsoleLogin::run(const Step&, StepExecutor& x) const { x.machine().login(user, password); }

ExpectPanic ExpectPanic::read(StepReader& r) {
  r.refuse_scalar("{} or {timeout}");
  r.read_timeout();
  return {};
}
void ExpectPanic::expand(const TextExpander&) {}
std::string ExpectPanic::describe(const Step& step) const { return described(step, ""); }
nlohmann::json ExpectPanic::inputs(const Step&) const { return nlohmann::json::object(); }
void ExpectPanic::run(const Step& step, StepExecutor& x) const {
  const WatcherHit hit = x.machine().console().wait_for_watcher(x.timeout_of(step));
  x.set_variable("panic_line", hit.line);
}

}  // namespace hurdle
