#include "run/exec_run.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "core/symlink_on_the_way.hpp"
#include "core/wall_clock.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

// Every --env variable is set here, and its value can go through the here-document.
void check_environment(const ExecRequest& r) {
  for (const auto& name : r.env) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr)
      throw ConfigError({}, "hurdle exec: --env " + name + ": the variable is not set");
    const std::string v = value;
    const std::string end = kEnvValueEnd;
    if (v == end || v.starts_with(end + "\n") || v.ends_with("\n" + end) ||
        v.find("\n" + end + "\n") != std::string::npos)
      throw ConfigError({}, "hurdle exec: --env " + name + ": its value has a line " + end +
                                ", which ends the value in the guest");
  }
}

// How the command ended, from the scenario's steps.json: the first step that ran a command
// (the sync before it runs none); unset when it never ran.
std::optional<int> command_status(const fs::path& steps_json) {
  std::ifstream in(steps_json);
  if (!in) return std::nullopt;
  const auto steps = nlohmann::json::parse(in, nullptr, false);
  if (!steps.is_array()) return std::nullopt;
  for (const auto& step : steps) {
    if (!step.is_object() || !step.contains("exit_status")) continue;
    if (step.contains("signal") && step["signal"].is_string())
      return exit_status_of_signal(step["signal"].get<std::string>());
    if (step["exit_status"].is_number_integer()) return step["exit_status"].get<int>();
  }
  return std::nullopt;
}

// What the ssh.get steps brought back goes where it was in the synced folder, replacing what
// is there; a path the guest did not have stays as it is here.
void put_back(const ExecRequest& r, const fs::path& copied) {
  for (const auto& path : r.copy_back) {
    const fs::path relative = normal_relative(path);
    for (const fs::path& base : {copied, r.sync}) {
      if (const auto link = symlink_on_the_way(base, relative))
        throw Error("--copy-back " + path + ": " + link->string() +
                    " is a symbolic link; a path is not copied back through one");
    }
    const fs::path from = copied / relative;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(from, ec))) continue;
    const fs::path to = r.sync / relative;
    fs::create_directories(to.parent_path());
    fs::remove_all(to);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    std::cerr << "hurdle exec: copied back " << path << "\n";
  }
}

}  // namespace

int exit_status_of_signal(const std::string& name) {
  for (int n = 1; n < NSIG; ++n) {
    const char* abbrev = ::sigabbrev_np(n);
    if (abbrev != nullptr && name == abbrev) return 128 + n;
  }
  return 128;
}

int run_exec(const ExecRequest& request, RunRequest base, bool print_suite, const char* program) {
  std::string suite;
  try {
    suite = exec_suite_yaml(request);
    if (print_suite) {
      std::cout << suite;
      return kExitPassed;
    }
    check_environment(request);
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitExecFailed;
  }
  base.run_name = "exec-" + wall_clock_text("%Y%m%dT%H%M%SZ") + "-" + std::to_string(::getpid());
  base.people_to_stderr = true;
  const fs::path folder = fs::path(base.report_dir) / base.run_name;
  try {
    fs::create_directories(folder);
    write_file_atomically(folder / "suite.yaml", suite);
  } catch (const std::exception& e) {
    print_error(std::string("hurdle exec: cannot write the run's reports: ") + e.what());
    return kExitExecFailed;
  }
  base.files = {(folder / "suite.yaml").string()};
  const int run_status = run_suites(base, program);
  const fs::path scenario = folder / kExecSuite / kExecScenario;
  try {
    put_back(request, scenario / kCopyBackFolder);
  } catch (const std::exception& e) {
    print_error(std::string("hurdle exec: copying back: ") + e.what());
    return kExitExecFailed;
  }
  const std::optional<int> status = command_status(scenario / "steps.json");
  if (!status) return kExitExecFailed;  // the run said why
  if (*status != 0) return *status;
  return run_status == kExitPassed ? kExitPassed : kExitFailed;
}

}  // namespace hurdle
