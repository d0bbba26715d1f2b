#include "suite/suite_loader.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "config/yaml_reader.hpp"
#include "core/name_rules.hpp"
#include "image/image_lock.hpp"
#include "qemu/machine_profile.hpp"
#include "results/result_import.hpp"
#include "suite/reset_mode.hpp"
#include "suite/step_names.hpp"
#include "suite/step_reader.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

std::string keyword_list() {
  std::string list;
  for (const auto& k : step_keywords()) list += (list.empty() ? "" : ", ") + k;
  return list;
}

using Reader = SuiteReadState;

Step read_step(const YAML::Node& item, Reader& r) {
  if (!item.IsMap() || item.size() != 1) {
    fail_at(
        item, r.file,
        "expected a step: a mapping with one key, the step's name (one of " + keyword_list() + ")");
  }
  const auto entry = *item.begin();
  Step s;
  s.keyword = entry.first.Scalar();
  if (!step_name(s.keyword)) {
    fail_at(entry.first, r.file,
            "unknown step '" + s.keyword + "'; expected one of " + keyword_list());
  }
  s.where = location_of(entry.first, r.file);
  StepReader reader(item, r, s);
  s.payload = read_step_payload(s.keyword, reader);
  if (reader.has("always")) s.always = as_bool(reader.get("always"), r.file);
  reader.finish();
  for (const auto& name : s.captures) {
    r.known[name] = "";
    r.captured.insert(name);
  }
  return s;
}

std::vector<Step> read_steps(const YAML::Node& node, const YAML::Node& owner, Reader& r,
                             const std::string& what) {
  if (!node || node.IsNull()) fail_at(owner, r.file, what + " needs steps: a list");
  if (!node.IsSequence()) fail_at(node, r.file, "expected " + what + " as a list of steps");
  std::vector<Step> steps;
  for (const auto& item : node) {
    steps.push_back(read_step(item, r));
    if (steps.back().always && what == "provision")
      fail_at(item, r.file,
              "`always` is for a scenario's steps: a provision step that fails stops the run");
  }
  return steps;
}

// A typo in a key is the likeliest cause of any later error in that mapping: report it first.
void reject_unknown_keys(MappingReader& m, std::initializer_list<const char*> keys) {
  for (const char* key : keys) (void)m.has(key);
  m.finish();
}

// The caller's folders, HURDLE_PROFILE_PATH, then fixtures/machines in the suite's folder and
// the two above it (a suite in scenarios/ or scenarios/examples/ finds the repository's).
std::vector<fs::path> search_path(const fs::path& suite_file, const std::vector<fs::path>& extra) {
  const fs::path dir = fs::absolute(suite_file).parent_path();
  std::vector<fs::path> near;
  for (const auto& up : {dir, dir.parent_path(), dir.parent_path().parent_path()})
    near.push_back(up / "fixtures" / "machines");
  return profile_search_path(extra, near);
}

void read_boot_section(const YAML::Node& boot, Reader& r, Suite& suite, bool may_include);

// A boot section shared by several suites (Hurd's provisioning), named by a suite's
// `boot: include:`: read as if written there, with the suite's variables; it may not include.
void read_included_boot_section(const YAML::Node& include, Reader& r, Suite& suite) {
  fs::path shared = r.expanded(include, r.text(include), "");
  if (shared.is_relative()) shared = fs::absolute(r.file).parent_path() / shared;
  shared = shared.lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(shared, ec))
    fail_at(include, r.file, "no such file to include: " + shared.string());
  YamlAliases shared_aliases;
  const YAML::Node shared_root = load_yaml_file(shared, &shared_aliases);
  if (!shared_root.IsMap())
    fail_at(shared_root, shared,
            "expected a boot section to include: a mapping of wait_for_boot, login, provision");
  Reader shared_reader = r;
  shared_reader.file = shared;
  try {
    read_boot_section(shared_root, shared_reader, suite, false);
  } catch (const ConfigError& e) {
    throw shared_aliases.annotated(e);
  }
  r.known = shared_reader.known;
  r.captured = shared_reader.captured;
}

// The keys of a boot section (a suite's `boot:`, or a file it includes): `include` (first:
// the section's own keys then override it, its provision steps follow), `wait_for_boot`,
// `login` and `provision`.
void read_boot_section(const YAML::Node& boot, Reader& r, Suite& suite, bool may_include) {
  MappingReader b(boot, r.file, may_include ? "the boot section" : "an included boot section");
  if (may_include) (void)b.has("include");
  reject_unknown_keys(b, {"wait_for_boot", "login", "provision"});
  if (may_include && b.has("include")) read_included_boot_section(b.get("include"), r, suite);
  if (b.has("wait_for_boot")) suite.wait_for_boot = as_bool(b.get("wait_for_boot"), r.file);
  if (const YAML::Node login = b.get("login"); login && !login.IsNull()) {
    if (login.IsScalar()) {
      suite.login = as_bool(login, r.file);
    } else {
      MappingReader l(login, r.file, "the login section");
      suite.login = true;
      if (l.has("user")) suite.login_user = r.text(l.get("user"));
      if (l.has("password")) suite.login_password = r.text(l.get("password"));
      l.finish();
    }
  }
  if (b.has("provision")) {
    for (auto& step : read_steps(b.get("provision"), boot, r, "provision"))
      suite.provision.push_back(std::move(step));
  }
  b.finish();
}

// `variables:`: NAME: VALUE, or NAME: {value: VALUE, secret: true} for a value never to be
// written; each may use the ones before it.
void read_suite_variables(const YAML::Node& vars, const fs::path& file, Suite& suite) {
  if (!vars.IsMap()) fail_at(vars, file, "expected variables as a mapping of name: value");
  for (const auto& kv : vars) {
    // (A YAML::Node assigned to is written into, not re-pointed: hence no reassignment.)
    bool secret = false;
    std::optional<MappingReader> vm;
    if (kv.second.IsMap()) {
      vm.emplace(kv.second, file, "the variable " + kv.first.Scalar());
      if (vm->has("secret")) secret = as_bool(vm->get("secret"), file);
    }
    const YAML::Node given = vm ? vm->require("value") : kv.second;
    if (vm) vm->finish();
    const std::string raw = as_string(given, file);
    const std::string value = expand_variables(raw, suite.variables, location_of(given, file));
    for (auto& s : secret_values_in(raw)) suite.secrets.push_back(std::move(s));
    if (secret) suite.secrets.push_back(value);
    suite.variables[kv.first.Scalar()] = value;
  }
}

// `machine:`: a profile name or path, or {profile, variables} with the variables its ${...}
// need; the profile found (beside the suite, on the search path) or a ConfigError there.
void read_suite_machine(const YAML::Node& machine, const fs::path& file,
                        const std::vector<fs::path>& profile_path, Reader& r, Suite& suite) {
  std::string profile_name;
  if (machine.IsScalar()) {
    profile_name = r.text(machine);
  } else {
    MappingReader mm(machine, file, "the machine section");
    profile_name = r.text(mm.require("profile"));
    if (const YAML::Node v = mm.get("variables"); v && !v.IsNull()) {
      if (!v.IsMap()) fail_at(v, file, "expected machine variables as a mapping");
      for (const auto& kv : v) {
        const std::string raw = as_string(kv.second, file);
        for (auto& s : secret_values_in(raw)) suite.secrets.push_back(std::move(s));
        suite.machine_variables[kv.first.Scalar()] =
            expand_variables(raw, suite.variables, location_of(kv.second, file));
      }
    }
    mm.finish();
  }
  const std::string expanded =
      expand_variables(profile_name, suite.variables, location_of(machine, file));
  fs::path candidate = expanded;
  if (candidate.is_relative() &&
      (expanded.find('/') != std::string::npos || candidate.extension() == ".yaml"))
    candidate = (fs::absolute(file).parent_path() / candidate).lexically_normal();
  try {
    suite.machine = find_machine_profile(candidate.is_absolute() ? candidate.string() : expanded,
                                         search_path(file, profile_path));
  } catch (const ConfigError& e) {
    fail_at(machine, file, e.problem());
  }
}

int read_retries(const YAML::Node& node, const fs::path& file) {
  const auto n = as_integer(node, file);
  if (n < 0 || n > 10) fail_at(node, file, "expected retries from 0 to 10");
  return static_cast<int>(n);
}

// `defaults:`: the time-out, retries and reset every scenario gets unless it says otherwise.
void read_suite_defaults(const YAML::Node& d, Reader& r, Suite& suite) {
  MappingReader dm(d, r.file, "the defaults section");
  if (dm.has("timeout")) suite.timeout = r.duration(dm.get("timeout"));
  if (dm.has("retries")) suite.retries = read_retries(dm.get("retries"), r.file);
  if (dm.has("reset")) {
    const std::string reset = dm.string("reset");
    suite.reset = reset_mode_named(reset);
    if (!suite.reset)
      fail_at(dm.get("reset"), r.file,
              "expected reset " + reset_mode_choices() + ", found '" + reset + "'");
  }
  dm.finish();
}

// A scenario's `isolation:` and `after:`: fresh, or chained after the one named (or the one
// before).
void read_isolation(MappingReader& sm, const fs::path& file, const Suite& suite, Scenario& sc) {
  const std::string isolation = sm.string("isolation", "fresh");
  if (isolation == "chained") {
    sc.isolation = Isolation::kChained;
  } else if (isolation != "fresh") {
    fail_at(sm.get("isolation"), file,
            "expected isolation fresh or chained, found '" + isolation + "'");
  }
  if (sm.has("after")) {
    const YAML::Node after = sm.get("after");
    if (sm.has("isolation") && sc.isolation == Isolation::kFresh)
      fail_at(after, file, "`after:` makes a scenario chained; it cannot also be fresh");
    const std::string before = as_string(after, file);
    const auto it = std::find_if(suite.scenarios.begin(), suite.scenarios.end(),
                                 [&](const Scenario& s) { return s.name == before; });
    if (it == suite.scenarios.end())
      fail_at(after, file,
              "expected `after:` to name a scenario earlier in this file, found '" + before + "'" +
                  (before == sc.name ? " (itself)" : ""));
    sc.isolation = Isolation::kChained;
    sc.after = static_cast<std::size_t>(it - suite.scenarios.begin());
  } else if (sc.isolation == Isolation::kChained) {
    if (suite.scenarios.empty())
      fail_at(sm.get("isolation"), file,
              "the first scenario cannot be chained: no scenario comes before it");
    sc.after = suite.scenarios.size() - 1;
  }
}

// What provisioning leaves to every scenario: its variables and captures, without the
// addresses of its host services (which end with it).
struct AfterProvision {
  Variables known;
  std::set<std::string> captured;
};

Scenario read_scenario(const YAML::Node& node, const AfterProvision& start, Reader& r,
                       const Suite& suite) {
  const fs::path& file = r.file;
  if (!node.IsMap()) fail_at(node, file, "expected a scenario: a mapping with name: and steps:");
  MappingReader sm(node, file, "a scenario");
  reject_unknown_keys(sm,
                      {"name", "tags", "description", "isolation", "after", "retries", "steps"});
  Scenario sc;
  sc.where = location_of(node, file);
  const YAML::Node name = sm.require("name");
  sc.name = as_string(name, file);
  if (auto problem = test_name_problem(sc.name, true)) fail_at(name, file, *problem);
  if (std::any_of(suite.scenarios.begin(), suite.scenarios.end(),
                  [&](const Scenario& s) { return s.name == sc.name; }))
    fail_at(name, file, "a second scenario named '" + sc.name + "'");
  if (sm.has("tags")) sc.tags = as_string_list(sm.get("tags"), file);
  sc.description = sm.string("description");
  read_isolation(sm, file, suite, sc);
  sc.retries = sm.has("retries") ? read_retries(sm.get("retries"), file) : suite.retries;
  r.known = start.known;  // a scenario sees the suite's and provisioning's variables
  r.captured = start.captured;
  r.services.clear();  // provisioning's services ended with it
  sc.steps = read_steps(sm.get("steps"), node, r, "scenario '" + sc.name + "'");
  sm.finish();
  return sc;
}

Suite read_suite(const fs::path& file, const std::vector<fs::path>& profile_path,
                 YamlAliases& aliases) {
  const YAML::Node root = load_yaml_file(file, &aliases);
  if (!root.IsMap())
    fail_at(root, file, "expected a suite: a mapping with machine: and scenarios:");
  MappingReader m(root, file, "a suite");
  reject_unknown_keys(m,
                      {"suite", "machine", "image", "variables", "boot", "defaults", "scenarios"});
  Suite suite;
  suite.file = file;
  suite.name = m.string("suite", file.stem().string());
  if (auto problem = test_name_problem(suite.name, false))
    fail_at(m.has("suite") ? m.get("suite") : root, file, *problem);
  Reader r{file, {}, {}, &suite.secrets, {}};
  if (const YAML::Node vars = m.get("variables"); vars && !vars.IsNull())
    read_suite_variables(vars, file, suite);
  r.known = suite.variables;
  read_suite_machine(m.require("machine"), file, profile_path, r, suite);
  if (m.has("image")) {
    suite.image = expand_variables(as_string(m.get("image"), file), suite.variables,
                                   location_of(m.get("image"), file));
    if (!valid_image_name(suite.image))
      fail_at(m.get("image"), file,
              "expected the name of an image in the image lock, found '" + suite.image + "'");
  }
  if (const YAML::Node boot = m.get("boot"); boot && !boot.IsNull())
    read_boot_section(boot, r, suite, true);
  if (const YAML::Node d = m.get("defaults"); d && !d.IsNull()) read_suite_defaults(d, r, suite);

  const YAML::Node scenarios = m.require("scenarios");
  if (!scenarios.IsSequence() || scenarios.size() == 0)
    fail_at(scenarios, file, "expected scenarios as a non-empty list");
  AfterProvision after_provision{r.known, r.captured};
  for (const auto& service : r.services) {
    for (const char* part : {"_host", "_port"}) {
      after_provision.known.erase(service + part);
      after_provision.captured.erase(service + part);
    }
  }
  for (const auto& node : scenarios)
    suite.scenarios.push_back(read_scenario(node, after_provision, r, suite));
  m.finish();
  return suite;
}

}  // namespace

Suite load_suite(const fs::path& file, const std::vector<fs::path>& profile_path) {
  YamlAliases aliases;
  try {
    return read_suite(file, profile_path, aliases);
  } catch (const ConfigError& e) {
    // An error in text that aliases reuse says where those aliases are.
    if (e.where().file == file) throw aliases.annotated(e);
    throw;
  } catch (const YAML::Exception& e) {
    // yaml-cpp's own complaint about a node's shape that no check above foresaw.
    throw ConfigError(yaml_location(e, file), "unexpected YAML: " + e.msg);
  }
}

}  // namespace hurdle
