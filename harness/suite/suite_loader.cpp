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
#include "suite/step_names.hpp"

namespace hurdle {

namespace fs = std::filesystem;

std::string Step::describe() const {
  std::string detail = text;
  if (kind == StepKind::kConsoleExpect && !patterns.empty()) {
    detail.clear();
    for (const auto& p : patterns) detail += (detail.empty() ? "'" : " or '") + p + "'";
    return keyword + " " + detail;
  }
  if (kind == StepKind::kSshPut) detail = local + " -> " + remote;
  if (kind == StepKind::kSshGet) detail = remote + " -> " + local;
  if (kind == StepKind::kResultsImport) detail = format + " " + remote;
  if (kind == StepKind::kHostExpect && !patterns.empty()) detail = text + " '" + patterns[0] + "'";
  return detail.empty() ? keyword : keyword + " `" + detail + "`";
}

namespace {

const std::map<std::string, StepKind>& step_keywords() {
  static const std::map<std::string, StepKind> kKeywords = {
      {"console.send", StepKind::kConsoleSend},
      {"console.expect", StepKind::kConsoleExpect},
      {"console.login", StepKind::kConsoleLogin},
      {"console.run", StepKind::kConsoleRun},
      {"ssh.run", StepKind::kSshRun},
      {"ssh.put", StepKind::kSshPut},
      {"ssh.get", StepKind::kSshGet},
      {"wait_until", StepKind::kWaitUntil},
      {"reboot", StepKind::kReboot},
      {"snapshot.save", StepKind::kSnapshotSave},
      {"snapshot.restore", StepKind::kSnapshotRestore},
      {"qmp", StepKind::kQmp},
      {"expect_panic", StepKind::kExpectPanic},
      {"screenshot", StepKind::kScreenshot},
      {"results.import", StepKind::kResultsImport},
      {"power_off", StepKind::kPowerOff},
      {"power_on", StepKind::kPowerOn},
      {"host.serve", StepKind::kHostServe},
      {"host.expect", StepKind::kHostExpect},
  };
  return kKeywords;
}

std::string keyword_list() {
  std::string list;
  for (const auto& [k, v] : step_keywords()) list += (list.empty() ? "" : ", ") + k;
  return list;
}

// What the loader knows while it reads: the file, and the variables defined so far (values
// are placeholders for captured ones; only the names matter for validation).
struct Reader {
  fs::path file;
  Variables known;                 // suite variables with their values; captured ones with ""
  std::set<std::string> captured;  // the names whose values only come when a step runs
  std::vector<std::string>* secrets = nullptr;  // where ${secret:NAME} values are noted
  // The host services started so far in this scenario (or in provisioning): a service lives
  // as long as the steps around it, so host.expect may only name one of these.
  std::set<std::string> services;

  // `raw` with every variable whose value is known expanded, and each captured one (whose
  // value only exists at run time) replaced by `placeholder`.
  std::string expanded(const YAML::Node& node, const std::string& raw,
                       const std::string& placeholder) const {
    Variables values = known;
    for (const auto& name : captured) values[name] = placeholder;
    return expand_variables(raw, values, location_of(node, file));
  }
  // Whether `raw` uses a captured variable (its final value is unknown until the step runs).
  bool uses_captured(const std::string& raw) const {
    for (const auto& name : captured)
      if (raw.find("${" + name + "}") != std::string::npos) return true;
    return false;
  }

  // Checks that every ${...} in the node's text is defined; returns the text unexpanded (the
  // runner expands it when the step runs, once captured values exist).
  std::string text(const YAML::Node& node) const {
    const std::string raw = as_string(node, file);
    (void)expand_variables(raw, known, location_of(node, file));
    if (secrets != nullptr)
      for (auto& value : secret_values_in(raw)) secrets->push_back(std::move(value));
    return raw;
  }

  // A regex: variables checked, then compiled with placeholders; its named groups returned.
  std::string regex(const YAML::Node& node, std::vector<std::string>* captures) const {
    const std::string raw = text(node);
    // Compiled as it will run: suite variables with their values (a value may hold regex
    // syntax), captured ones with a placeholder.
    RE2::Options options;
    options.set_log_errors(false);
    RE2 re(expanded(node, raw, "x"), options);
    if (!re.ok()) fail_at(node, file, "invalid regular expression '" + raw + "': " + re.error());
    if (captures != nullptr) {
      for (const auto& [name, index] : re.NamedCapturingGroups()) captures->push_back(name);
    }
    return raw;
  }

  // YAML to JSON for QMP: plain scalars that read as integers or booleans become those, the
  // rest strings (a quoted scalar stays a string); variables are checked as in text().
  nlohmann::json json(const YAML::Node& n) const {
    if (n.IsMap()) {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& kv : n) object[kv.first.Scalar()] = json(kv.second);
      return object;
    }
    if (n.IsSequence()) {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& element : n) array.push_back(json(element));
      return array;
    }
    if (n.IsNull()) return nullptr;
    const std::string t = n.Scalar();
    if (n.Tag() != "!") {
      if (t == "true") return true;
      if (t == "false") return false;
      char* end = nullptr;
      const long long i = std::strtoll(t.c_str(), &end, 10);
      if (!t.empty() && end != nullptr && *end == '\0') return i;
    }
    return text(n);
  }

  std::chrono::milliseconds duration(const YAML::Node& node) const {
    const auto d = as_duration(node, file);
    if (d.count() <= 0) fail_at(node, file, "expected a duration above zero");
    return d;
  }
};

Step read_step(const YAML::Node& item, Reader& r) {
  if (!item.IsMap() || item.size() != 1) {
    fail_at(
        item, r.file,
        "expected a step: a mapping with one key, the step's name (one of " + keyword_list() + ")");
  }
  const auto entry = *item.begin();
  const std::string keyword = entry.first.Scalar();
  const auto kind = step_keywords().find(keyword);
  if (kind == step_keywords().end()) {
    fail_at(entry.first, r.file,
            "unknown step '" + keyword + "'; expected one of " + keyword_list());
  }
  Step s;
  s.kind = kind->second;
  s.keyword = keyword;
  s.where = location_of(entry.first, r.file);
  const YAML::Node value = entry.second;
  const bool is_scalar = value.IsScalar();
  const bool is_empty = !value || value.IsNull();
  if (!is_scalar && !is_empty && !value.IsMap()) {
    fail_at(value, r.file, "expected the " + keyword + " step's value as text or a mapping");
  }
  std::optional<MappingReader> m;
  if (value.IsMap()) m.emplace(value, r.file, "the " + keyword + " step");
  const auto need_scalar_or = [&](const char* key) -> YAML::Node {
    if (is_scalar) return value;
    if (is_empty) fail_at(item, r.file, keyword + " needs a value (" + key + ")");
    return m->require(key);
  };
  const auto timeout = [&] {
    if (m && m->has("timeout")) s.timeout = r.duration(m->get("timeout"));
  };

  switch (s.kind) {
    case StepKind::kConsoleSend:
      s.text = r.text(need_scalar_or("text"));
      if (m && m->has("raw")) s.raw = as_bool(m->get("raw"), r.file);
      break;
    case StepKind::kConsoleExpect: {
      const YAML::Node p = is_scalar ? value : (is_empty ? value : m->get("patterns"));
      if (!p || p.IsNull())
        fail_at(is_empty ? item : value, r.file,
                "console.expect needs a pattern, or patterns: [..]");
      if (p.IsSequence()) {
        if (p.size() == 0) fail_at(p, r.file, "expected at least one pattern");
        for (const auto& one : p) s.patterns.push_back(r.regex(one, &s.captures));
      } else {
        s.patterns.push_back(r.regex(p, &s.captures));
      }
      timeout();
      break;
    }
    case StepKind::kConsoleLogin:
      if (is_scalar) fail_at(value, r.file, "expected console.login as {} or {user, password}");
      if (m && m->has("user")) s.user = r.text(m->get("user"));
      if (m && m->has("password")) s.password = r.text(m->get("password"));
      timeout();
      break;
    case StepKind::kSshRun:
    case StepKind::kConsoleRun:
    case StepKind::kWaitUntil:
      s.text = r.text(need_scalar_or("command"));
      if (m) {
        const bool runs = s.kind != StepKind::kWaitUntil;
        if (runs && m->has("exit")) {
          const auto code = as_integer(m->get("exit"), r.file);
          if (code < 0 || code > 255)
            fail_at(m->get("exit"), r.file, "expected an exit status from 0 to 255");
          s.exit_status = static_cast<int>(code);
        }
        if (runs) {
          if (m->has("stdout")) s.stdout_equals = r.text(m->get("stdout"));
          if (m->has("stdout_matches"))
            s.stdout_matches = r.regex(m->get("stdout_matches"), &s.captures);
        }
        // The console has one stream: console.run's output is its stdout.
        if (s.kind == StepKind::kSshRun) {
          if (m->has("stderr")) s.stderr_equals = r.text(m->get("stderr"));
          if (m->has("stderr_matches"))
            s.stderr_matches = r.regex(m->get("stderr_matches"), &s.captures);
        }
        if (s.kind == StepKind::kWaitUntil && m->has("interval"))
          s.interval = r.duration(m->get("interval"));
      }
      timeout();
      break;
    case StepKind::kSshPut:
    case StepKind::kSshGet: {
      if (!m)
        fail_at(is_empty ? item : value, r.file, "expected " + keyword + " as {local, remote}");
      const YAML::Node local = m->require("local");
      s.local = r.text(local);
      s.remote = r.text(m->require("remote"));
      if (s.kind == StepKind::kSshGet && m->has("max_size"))
        s.max_bytes = as_bytes(m->get("max_size"), r.file);
      if (s.kind == StepKind::kSshPut && m->has("exclude")) {
        for (const auto& pattern : m->get("exclude")) (void)r.text(pattern);
        s.exclude = as_string_list(m->get("exclude"), r.file);
      }
      if (!r.uses_captured(s.local)) {
        const std::string path = r.expanded(local, s.local, "");
        if (s.kind == StepKind::kSshGet) {
          if (auto problem = report_file_problem(path)) fail_at(local, r.file, *problem);
        } else {
          // The run would fail at this step otherwise, after the boot.
          fs::path file = path;
          if (file.is_relative()) file = fs::absolute(r.file).parent_path() / file;
          std::error_code ec;
          const bool folder = fs::is_directory(file, ec);
          if (!folder && !fs::is_regular_file(file, ec))
            fail_at(local, r.file, "no such file or folder to put: " + file.string());
          if (!folder && !s.exclude.empty())
            fail_at(m->get("exclude"), r.file,
                    "exclude is for a folder, and " + file.string() + " is a file");
        }
      }
      timeout();
      break;
    }
    case StepKind::kReboot:
      if (is_scalar) fail_at(value, r.file, "expected reboot as {} or {hard: true}");
      if (m && m->has("hard")) s.hard = as_bool(m->get("hard"), r.file);
      timeout();
      break;
    case StepKind::kPowerOff:
      if (is_scalar) {
        s.text = r.text(value);
      } else if (m && m->has("command")) {
        s.text = r.text(m->get("command"));
      }
      timeout();
      break;
    case StepKind::kPowerOn:
      if (is_scalar) fail_at(value, r.file, "expected power_on as {} or {timeout}");
      timeout();
      break;
    case StepKind::kHostServe: {
      const YAML::Node name = need_scalar_or("name");
      s.text = as_string(name, r.file);
      if (!valid_name(s.text))
        fail_at(name, r.file,
                "expected a service name (letters, digits, '_' and '-'; it names the variables "
                "NAME_host and NAME_port), found '" +
                    s.text + "'");
      if (!r.services.insert(s.text).second)
        fail_at(name, r.file, "a second host service named '" + s.text + "' in the same steps");
      s.reply = "hello from the host\n";
      s.protocol = "http";
      if (m && m->has("reply")) s.reply = r.text(m->get("reply"));
      if (m && m->has("protocol")) {
        s.protocol = as_string(m->get("protocol"), r.file);
        if (s.protocol != "http" && s.protocol != "line")
          fail_at(m->get("protocol"), r.file,
                  "expected protocol http or line, found '" + s.protocol + "'");
      }
      s.captures = {s.text + "_host", s.text + "_port"};
      break;
    }
    case StepKind::kHostExpect: {
      if (!m)
        fail_at(is_empty ? item : value, r.file, "expected host.expect as {service, matches}");
      const YAML::Node service = m->require("service");
      s.text = as_string(service, r.file);
      if (r.services.count(s.text) == 0) {
        std::string started;
        for (const auto& name : r.services) started += (started.empty() ? "" : ", ") + name;
        fail_at(service, r.file,
                "no host service '" + s.text + "' started before this step in the same steps (" +
                    (started.empty() ? std::string("none is") : started + " are") +
                    "): host.serve it first");
      }
      s.patterns.push_back(r.regex(m->require("matches"), &s.captures));
      timeout();
      break;
    }
    case StepKind::kSnapshotSave:
    case StepKind::kSnapshotRestore: {
      const YAML::Node tag = need_scalar_or("tag");
      s.text = r.text(tag);
      // Checked as it will run; a captured value is checked again then.
      if (auto problem = snapshot_tag_problem(r.expanded(tag, s.text, "captured"),
                                              s.kind == StepKind::kSnapshotSave))
        fail_at(tag, r.file, *problem);
      break;
    }
    case StepKind::kQmp: {
      if (!m)
        fail_at(is_empty ? item : value, r.file, "expected qmp as {command, arguments, expect}");
      s.text = r.text(m->require("command"));
      const auto json_of = [&](const YAML::Node& node) {
        if (!node.IsMap()) fail_at(node, r.file, "expected a mapping");
        return r.json(node);
      };
      if (m->has("arguments")) s.arguments = json_of(m->get("arguments"));
      if (m->has("expect")) s.expect = json_of(m->get("expect"));
      timeout();
      break;
    }
    case StepKind::kExpectPanic:
      if (is_scalar) fail_at(value, r.file, "expected expect_panic as {} or {timeout}");
      timeout();
      break;
    case StepKind::kScreenshot: {
      if (is_empty) {
        s.text = "screenshot";
        break;
      }
      const YAML::Node name = need_scalar_or("name");
      s.text = r.text(name);
      if (auto problem = report_file_problem(r.expanded(name, s.text, "captured") + ".png"))
        fail_at(name, r.file, *problem);
      break;
    }

    case StepKind::kResultsImport: {
      if (!m)
        fail_at(is_empty ? item : value, r.file,
                "expected results.import as {format, remote, allow_empty}");
      const YAML::Node format = m->require("format");
      s.format = as_string(format, r.file);
      if (!result_format_named(s.format))
        fail_at(format, r.file, "expected format automake, tap or junit, found '" + s.format + "'");
      s.remote = r.text(m->require("remote"));
      if (m->has("allow_empty")) s.allow_empty = as_bool(m->get("allow_empty"), r.file);
      if (m->has("max_size")) s.max_bytes = as_bytes(m->get("max_size"), r.file);
      timeout();
      break;
    }
  }
  if (m) m->finish();
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
  for (const auto& item : node) steps.push_back(read_step(item, r));
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
  if (const YAML::Node vars = m.get("variables"); vars && !vars.IsNull()) {
    if (!vars.IsMap()) fail_at(vars, file, "expected variables as a mapping of name: value");
    for (const auto& kv : vars) {
      // NAME: VALUE, or NAME: {value: VALUE, secret: true} for a value never to be written.
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
  r.known = suite.variables;

  // The machine: a profile name or path, and the variables its ${...} need.
  YAML::Node machine = m.require("machine");
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

  if (m.has("image")) {
    suite.image = expand_variables(as_string(m.get("image"), file), suite.variables,
                                   location_of(m.get("image"), file));
    if (!valid_image_name(suite.image))
      fail_at(m.get("image"), file,
              "expected the name of an image in the image lock, found '" + suite.image + "'");
  }

  if (const YAML::Node boot = m.get("boot"); boot && !boot.IsNull())
    read_boot_section(boot, r, suite, true);
  if (const YAML::Node d = m.get("defaults"); d && !d.IsNull()) {
    MappingReader dm(d, file, "the defaults section");
    if (dm.has("timeout")) suite.timeout = r.duration(dm.get("timeout"));
    if (dm.has("retries")) {
      const auto n = as_integer(dm.get("retries"), file);
      if (n < 0 || n > 10) fail_at(dm.get("retries"), file, "expected retries from 0 to 10");
      suite.retries = static_cast<int>(n);
    }
    if (dm.has("reset")) {
      const std::string reset = dm.string("reset");
      if (reset == "clone") {
        suite.reset = Suite::Reset::kClone;
      } else if (reset == "snapshot") {
        suite.reset = Suite::Reset::kSnapshot;
      } else if (reset == "reboot") {
        suite.reset = Suite::Reset::kReboot;
      } else {
        fail_at(dm.get("reset"), file,
                "expected reset clone, snapshot or reboot, found '" + reset + "'");
      }
    }
    dm.finish();
  }

  const YAML::Node scenarios = m.require("scenarios");
  if (!scenarios.IsSequence() || scenarios.size() == 0)
    fail_at(scenarios, file, "expected scenarios as a non-empty list");
  Variables after_provision = r.known;
  std::set<std::string> captured_in_provision = r.captured;
  // A host service of the provisioning ends with it: its address does not reach a scenario.
  for (const auto& service : r.services) {
    for (const char* part : {"_host", "_port"}) {
      after_provision.erase(service + part);
      captured_in_provision.erase(service + part);
    }
  }
  std::set<std::string> names;
  for (const auto& node : scenarios) {
    if (!node.IsMap()) fail_at(node, file, "expected a scenario: a mapping with name: and steps:");
    MappingReader sm(node, file, "a scenario");
    reject_unknown_keys(sm,
                        {"name", "tags", "description", "isolation", "after", "retries", "steps"});
    Scenario sc;
    sc.where = location_of(node, file);
    const YAML::Node name = sm.require("name");
    sc.name = as_string(name, file);
    if (auto problem = test_name_problem(sc.name, true)) fail_at(name, file, *problem);
    if (!names.insert(sc.name).second)
      fail_at(name, file, "a second scenario named '" + sc.name + "'");
    if (sm.has("tags")) sc.tags = as_string_list(sm.get("tags"), file);
    sc.description = sm.string("description");
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
                "expected `after:` to name a scenario earlier in this file, found '" + before +
                    "'" + (before == sc.name ? " (itself)" : ""));
      sc.isolation = Isolation::kChained;
      sc.after = static_cast<std::size_t>(it - suite.scenarios.begin());
    } else if (sc.isolation == Isolation::kChained) {
      if (suite.scenarios.empty())
        fail_at(sm.get("isolation"), file,
                "the first scenario cannot be chained: no scenario comes before it");
      sc.after = suite.scenarios.size() - 1;
    }
    sc.retries = suite.retries;
    if (sm.has("retries")) {
      const auto n = as_integer(sm.get("retries"), file);
      if (n < 0 || n > 10) fail_at(sm.get("retries"), file, "expected retries from 0 to 10");
      sc.retries = static_cast<int>(n);
    }
    r.known = after_provision;  // a scenario sees the suite's and provisioning's variables
    r.captured = captured_in_provision;
    r.services.clear();  // provisioning's services ended with it
    sc.steps = read_steps(sm.get("steps"), node, r, "scenario '" + sc.name + "'");
    sm.finish();
    suite.scenarios.push_back(std::move(sc));
  }
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
