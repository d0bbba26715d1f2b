#include "run/mach_test.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <re2/re2.h>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "config/variables.hpp"
#include "core/atomic_file.hpp"
#include "core/duration_text.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/name_rules.hpp"
#include "core/print_error.hpp"
#include "core/secret_mask.hpp"
#include "core/wall_clock.hpp"
#include "engine/run_observer.hpp"
#include "machine/machine.hpp"
#include "machine/saved_machine.hpp"
#include "qemu/accelerator.hpp"
#include "run/github_annotations.hpp"
#include "run/progress_printer.hpp"
#include "run/run_recorder.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// A line of the console that `pattern` is found in, up to its end.
std::string line_with(const std::string& pattern) {
  return "(?m)^[^\\n]*(?:" + pattern + ")[^\\n]*\\n";
}

void check(const MachTestRequest& r) {
  const auto bad = [](const std::string& what) {
    return ConfigError({}, "hurdle mach-test: " + what);
  };
  std::error_code ec;
  if (!fs::is_regular_file(r.kernel, ec)) throw bad("--kernel: no such file: " + r.kernel.string());
  if (r.modules.empty()) throw bad("no test module given");
  for (const auto& m : r.modules)
    if (!fs::is_regular_file(m, ec)) throw bad("no such test module: " + m.string());
  for (const auto& [what, pattern] :
       {std::pair{"--success", &r.success}, std::pair{"--failure", &r.failure},
        std::pair{"--panic", &r.panic}}) {
    const RE2 re(*pattern);
    if (!re.ok()) throw bad(std::string(what) + ": not a pattern (RE2): " + re.error());
  }
  if (r.jobs < 1 || r.jobs > 64)
    throw bad("-j: expected 1 to 64 modules at once, found " + std::to_string(r.jobs));
  if (r.budget < std::chrono::seconds(1))
    throw bad("--timeout: expected at least 1 s, found " + seconds_text(r.budget));
}

// Each module's case name: its file's name, made unique (a second `test` is `test-2`).
std::vector<std::string> case_names(const std::vector<fs::path>& modules) {
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (const auto& m : modules) {
    std::string name = m.filename().string();
    if (!valid_name(name)) name = "module";
    if (const int n = ++seen[name]; n > 1) name += "-" + std::to_string(n);
    names.push_back(name);
  }
  return names;
}

// One module's run: its machine booted from its own profile, then the console's verdict.
class ModuleRun {
 public:
  ModuleRun(const MachTestRequest& request, fs::path module, fs::path folder)
      : request_(request), module_(std::move(module)), folder_(std::move(folder)) {}

  ScenarioResult run(const std::string& name, std::optional<MachineFacts>& facts) {
    ScenarioResult r;
    r.folder = folder_;
    r.attempts = 1;
    const auto start = Clock::now();
    try {
      fs::create_directories(folder_);
      const fs::path profile_file = folder_ / "machine.yaml";
      write_file_atomically(profile_file, mach_test_profile_yaml(request_, module_, name));
      MachineOptions options;
      options.log_dir = folder_;
      if (!request_.accel.empty()) options.accel = parse_accelerator(request_.accel, "--accel");
      options.images = request_.images;
      const ProfileImageOptions image = starting_profile_options("", request_.images);
      machine_ = Machine::start(load_machine_profile(profile_file, {}, image), options);
      facts = machine_->facts();
      judge(r);
    } catch (const std::exception& e) {
      r.status = Verdict::kError;
      r.error_kind = "InfrastructureError";
      r.message = std::string("the module's machine could not run: ") + e.what();
    }
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    for (const char* file :
         {"console.txt", "console.log", "machine.log", "qmp.log", "machine.yaml"})
      if (fs::exists(folder_ / file)) r.attachments.push_back(folder_ / file);
    if (failed(r.status) && request_.keep_failed_state) keep_failed_state(name, r);
    machine_.reset();  // QEMU goes now, whatever the verdict
    return r;
  }

 private:
  void judge(ScenarioResult& r) {
    SerialConsole& console = machine_->console();
    try {
      const ExpectMatch m = console.expect(
          {line_with(request_.success), line_with(request_.failure)}, request_.budget);
      if (m.index == 0) {
        r.status = Verdict::kPassed;
        return;
      }
      fail(r, "StepFailed", "the module failed: " + trimmed(m.text));
    } catch (const TimeoutError&) {
      fail(r, "TimeoutError",
           "no verdict within " + seconds_text(request_.budget) + ": the module hangs");
    } catch (const Error&) {
      // The console closed (QEMU ended: ConsoleError, or QemuError from the machine), or a
      // panic watcher fired.
      if (const auto hit = console.watcher_hit())
        fail(r, "KernelPanic", "the kernel panicked: " + trimmed(hit->line));
      else
        fail(r, "KernelCrash",
             "the machine ended without the success line (the kernel crashed, or the module "
             "rebooted without a verdict)");
    }
  }

  void fail(ScenarioResult& r, const std::string& kind, const std::string& why) {
    r.status = Verdict::kFailed;
    r.error_kind = kind;
    r.message = why + "\nthe console ends with:\n" + machine_->console().tail(1536);
  }

  static std::string trimmed(std::string line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return line;
  }

  void keep_failed_state(const std::string& name, ScenarioResult& r) {
    if (!machine_ || !machine_->running()) {
      r.notes.push_back("no failed state to keep: the machine had ended");
      return;
    }
    const fs::path kept = folder_ / "failed-state";
    try {
      (void)machine_->save_to(kept, {}, "",
                              std::string(kMachTestSuite) + "." + name + ": " +
                                  r.message.substr(0, r.message.find('\n')));
      r.attachments.push_back(kept / SavedMachine::kManifest);
      r.notes.push_back("the failed machine is saved: `hurdle vm start NAME --from " +
                        kept.string() + " --gdb` starts it where it failed");
    } catch (const std::exception& e) {
      r.notes.push_back(std::string("the failed machine could not be saved: ") + e.what());
    }
  }

  const MachTestRequest& request_;
  fs::path module_;
  fs::path folder_;
  std::unique_ptr<Machine> machine_;
};

// How to look at a failed module with gdb: the kernel's symbols and the module's, over QEMU's
// GDB stub (`hurdle vm start --gdb` prints its port).
std::string gdb_command(const MachTestRequest& r, const fs::path& module) {
  return "gdb -ex 'file " + fs::absolute(r.kernel).string() + "' -ex 'add-symbol-file " +
         fs::absolute(module).string() + "' -ex 'target remote 127.0.0.1:PORT'";
}

}  // namespace

std::string mach_test_profile_yaml(const MachTestRequest& r, const fs::path& module,
                                   const std::string& name) {
  YAML::Emitter y;
  y << YAML::Comment("written by hurdle mach-test: the machine one test module boots on");
  y << YAML::BeginMap;
  y << YAML::Key << "name" << YAML::Value << ("mach-test-" + name);
  y << YAML::Key << "description" << YAML::Value << YAML::DoubleQuoted
    << literal_text("GNU Mach test module " + module.filename().string());
  y << YAML::Key << "machine" << YAML::Value << "pc";
  y << YAML::Key << "memory" << YAML::Value << r.memory;
  y << YAML::Key << "cpus" << YAML::Value << 1;
  y << YAML::Key << "boot" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "multiboot" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "kernel" << YAML::Value << YAML::DoubleQuoted
    << literal_text(fs::absolute(r.kernel).string());
  y << YAML::Key << "command_line" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& w : r.kernel_args) y << YAML::DoubleQuoted << literal_text(w);
  y << YAML::EndSeq;
  y << YAML::Key << "modules" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  y << YAML::Key << "file" << YAML::Value << YAML::DoubleQuoted
    << literal_text(fs::absolute(module).string());
  y << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted
    << literal_text(module.filename().string());
  y << YAML::Key << "args" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& w : r.module_args) y << YAML::DoubleQuoted << literal_text(w);
  y << YAML::EndSeq << YAML::EndMap << YAML::EndSeq;
  y << YAML::EndMap << YAML::EndMap;
  y << YAML::Key << "panic_patterns" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  y << YAML::Key << "name" << YAML::Value << "kernel-panic";
  y << YAML::Key << "pattern" << YAML::Value << YAML::DoubleQuoted << ("(?m)" + r.panic);
  y << YAML::EndMap << YAML::EndSeq;
  // As GNU Mach's own harness: a reboot ends QEMU, so that a module that reboots without its
  // verdict is seen at once.
  y << YAML::Key << "extra_args" << YAML::Value << YAML::Flow << YAML::BeginSeq << "-no-reboot"
    << YAML::EndSeq;
  y << YAML::Key << "login" << YAML::Value << YAML::BeginMap << YAML::Key << "required"
    << YAML::Value << false << YAML::EndMap;
  y << YAML::Key << "timeouts" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "boot" << YAML::Value << (std::to_string(r.budget.count()) + "ms");
  y << YAML::Key << "shutdown" << YAML::Value << "1s";
  y << YAML::EndMap;
  y << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

int run_mach_tests(const MachTestRequest& request) {
  try {
    check(request);
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitBadInput;
  }
  const fs::path run_dir =
      fs::path(request.report_dir) /
      ("mach-test-" + wall_clock_text("%Y%m%dT%H%M%SZ") + "-" + std::to_string(::getpid()));
  try {
    fs::create_directories(run_dir);
  } catch (const std::exception& e) {
    print_error(std::string("hurdle mach-test: cannot write the run's reports: ") + e.what());
    return kExitInfrastructure;
  }
  // The suite the reports see: one scenario per module, in the order given.
  Suite suite;
  suite.name = kMachTestSuite;
  suite.file = fs::absolute(request.kernel);
  const std::vector<std::string> names = case_names(request.modules);
  for (std::size_t i = 0; i < names.size(); ++i) {
    Scenario s;
    s.name = names[i];
    s.description = fs::absolute(request.modules[i]).string();
    suite.scenarios.push_back(std::move(s));
  }
  const fs::path junit = request.junit.empty() ? run_dir / "junit.xml" : fs::path(request.junit);
  RunRecorder recorder(junit);
  ProgressPrinter progress(std::cout, colour_wanted(STDOUT_FILENO), request.verbose);
  std::optional<GithubAnnotations> annotations;
  if (const auto workspace = github_workspace()) annotations.emplace(std::cout, *workspace);
  RunObservers observers;
  observers.add(progress);
  if (annotations) observers.add(*annotations);
  observers.add(recorder);
  for (const auto& s : suite.scenarios) recorder.plan(suite, s);
  recorder.flush();

  // -j N workers take the modules in order; the results are told in that order.
  std::vector<std::optional<ScenarioResult>> results(names.size());
  std::optional<MachineFacts> facts;
  std::mutex mutex;
  std::condition_variable done;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < names.size();) {
      std::optional<MachineFacts> known;
      ModuleRun run(request, request.modules[i], run_dir / kMachTestSuite / names[i]);
      ScenarioResult r = run.run(names[i], known);
      std::lock_guard lock(mutex);
      if (known && !facts) facts = std::move(known);
      results[i] = std::move(r);
      done.notify_all();
    }
  };
  std::vector<std::thread> workers;
  const auto lanes = std::min<std::size_t>(static_cast<std::size_t>(request.jobs), names.size());
  for (std::size_t w = 0; w < lanes; ++w) workers.emplace_back(worker);
  bool any_failed = false;
  bool told_facts = false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    ScenarioResult r;
    {
      std::unique_lock lock(mutex);
      done.wait(lock, [&] { return results[i].has_value(); });
      r = std::move(*results[i]);
      if (facts && !told_facts) {
        SuiteFacts f;
        f.reset = Suite::Reset::kReboot;
        f.reset_reason = "each test module boots a machine of its own";
        f.machine = *facts;
        observers.suite_facts(suite, f);
        told_facts = true;
      }
    }
    observers.scenario_started(suite, suite.scenarios[i]);
    observers.scenario_finished(suite, suite.scenarios[i], r);
    if (failed(r.status)) {
      any_failed = true;
      std::cout << "       gdb: " << gdb_command(request, request.modules[i]) << "\n";
    }
  }
  for (auto& t : workers) t.join();
  progress.summary();
  std::cout << "hurdle: reports in " << run_dir.string() << ", JUnit in " << junit.string() << "\n";
  return finish_reports(recorder, any_failed ? kExitFailed : kExitPassed, run_dir, SecretMask());
}

}  // namespace hurdle
