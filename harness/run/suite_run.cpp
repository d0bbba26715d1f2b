#include "run/suite_run.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "core/error.hpp"
#include "core/print_error.hpp"
#include "core/safe_text.hpp"
#include "core/secret_mask.hpp"
#include "core/wall_clock.hpp"
#include "engine/suite_runner.hpp"
#include "history/history_database.hpp"
#include "qemu/machine_profile.hpp"
#include "run/github_annotations.hpp"
#include "run/live_lines_writer.hpp"
#include "run/progress_printer.hpp"
#include "run/run_events.hpp"
#include "run/run_findings.hpp"
#include "run/run_order.hpp"
#include "run/run_recorder.hpp"
#include "run/scenario_filter.hpp"
#include "suite/reset_mode.hpp"
#include "suite/suite_loader.hpp"

namespace hurdle {

namespace {

std::string run_name() {
  return "run-" + wall_clock_text("%Y%m%dT%H%M%SZ") + "-" + std::to_string(::getpid());
}

// SIGINT and SIGTERM during a run: the first one kills every machine's QEMU (so the scenario
// in progress fails at once) and turns the rest of the run into errors, while the report is
// still written; a second one ends hurdle at once (QEMU dies with it: PR_SET_PDEATHSIG).
// The signals are blocked in every thread and taken by one watcher thread with sigtimedwait.
class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void(const char*)> on_signal)
      : on_signal_(std::move(on_signal)) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &before_);  // before any other thread exists
    thread_ = std::thread([this] { watch(); });
  }
  // The caller's signal mask as it was: another run, or the program's own handlers, after.
  ~SignalWatcher() {
    done_ = true;
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &before_, nullptr);
  }
  [[nodiscard]] const char* caught() const { return caught_.load(); }

 private:
  void watch() {
    const timespec tick{0, 200'000'000};
    while (!done_) {
      const int sig = sigtimedwait(&set_, nullptr, &tick);
      if (sig < 0) continue;
      const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
      if (caught_.exchange(name) != nullptr) {
        std::fprintf(stderr, "hurdle: %s again: stopping now\n", name);
        std::_Exit(kExitInfrastructure);
      }
      std::fprintf(stderr, "hurdle: %s: stopping the machines; the report is being finished\n",
                   name);
      on_signal_(name);
    }
  }

  sigset_t set_{};
  sigset_t before_{};
  std::function<void(const char*)> on_signal_;
  std::atomic<const char*> caught_{nullptr};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

void check_suite_machine(const Suite& suite, const ImageSettings& images) {
  const ProfileImageOptions image{suite.image, checking_image_resolver(images)};
  check_machine_files(load_machine_profile(suite.machine, suite.machine_variables, image));
}

namespace {

// Every suite of the request loaded and its machine checked (ConfigError otherwise).
std::vector<Suite> loaded_suites(const RunRequest& request) {
  std::vector<Suite> suites;
  for (const auto& f : request.files) {
    suites.push_back(load_suite(f));
    check_suite_machine(suites.back(), request.images);
  }
  return suites;
}

// "SUITE.SCENARIO" of each selected scenario, in order.
std::vector<std::string> scenario_names(const std::vector<Suite>& suites,
                                        const std::vector<SelectedScenario>& selected) {
  std::vector<std::string> names;
  for (const auto& one : selected)
    names.push_back(suites[one.suite].name + "." + suites[one.suite].scenarios[one.scenario].name);
  return names;
}

}  // namespace

std::vector<std::string> selected_scenarios(const RunRequest& request) {
  const std::vector<Suite> suites = loaded_suites(request);
  std::optional<Shard> shard;
  if (!request.shard.empty()) shard = parse_shard(request.shard);
  return scenario_names(suites,
                        ScenarioFilter(request.filter, request.exclude, shard).select(suites));
}

namespace {

// A run refused before anything boots: its exit status and what to print.
struct RunRefused {
  int status;
  std::string message;
};

// The request's numbers within their bounds, whoever made it (the command line checks its own;
// a request as JSON or from another front end may hold anything): nothing starts otherwise.
void check_numbers(const RunRequest& a) {
  const auto refuse = [](const std::string& what) {
    throw RunRefused{kExitBadInput, "hurdle: " + what};
  };
  if (a.repeat < 1 || a.repeat > 100000)
    refuse("repeat: expected 1 to 100000 rounds, found " + std::to_string(a.repeat));
  if (a.jobs < 1 || a.jobs > 64)
    refuse("jobs: expected 1 to 64 scenarios at once, found " + std::to_string(a.jobs));
  if (a.infra_retries < 0 || a.infra_retries > 10)
    refuse("infra_retries: expected 0 to 10, found " + std::to_string(a.infra_retries));
  if (a.flaky_window < 2 || a.flaky_window > 1000 || a.flaky_flips < 1 || a.flaky_flips > 1000)
    refuse("flaky_window: expected 2 to 1000 runs and flaky_flips 1 to 1000, found " +
           std::to_string(a.flaky_window) + " and " + std::to_string(a.flaky_flips));
  if (!(a.timeout_scale >= 0.001 && a.timeout_scale <= 100.0))
    refuse("timeout_scale: expected more than 0 and at most 100, found " +
           std::to_string(a.timeout_scale));
}

// Every suite loaded and its machine checked, with --reset applied.
std::vector<Suite> load_suites(const RunRequest& a) {
  std::vector<Suite> suites;
  try {
    suites = loaded_suites(a);
  } catch (const std::exception& e) {
    throw RunRefused{kExitBadInput, e.what()};
  }
  if (!a.reset.empty()) {
    const auto reset = reset_mode_named(a.reset);
    if (!reset)
      throw RunRefused{kExitBadInput,
                       "--reset: expected clone, snapshot or reboot, found '" + a.reset + "'"};
    for (auto& suite : suites) suite.reset = *reset;
  }
  return suites;
}

// The runners' options; the run's report folder is made (nothing boots for a run whose report
// could not be written).
RunOptions run_options(const RunRequest& a) {
  RunOptions options;
  options.report_dir =
      std::filesystem::path(a.report_dir) / (a.run_name.empty() ? run_name() : a.run_name);
  try {
    std::filesystem::create_directories(options.report_dir);
  } catch (const std::exception& e) {
    throw RunRefused{kExitInfrastructure,
                     std::string("hurdle: cannot write the run's reports: ") + e.what()};
  }
  options.timeout_scale = a.timeout_scale;
  options.keep_failed_state = a.keep_failed_state;
  options.infra_retries = a.infra_retries;
  options.keep_last_state = a.keep_last_state;
  options.boot_cache = !a.no_boot_cache;
  options.jobs = static_cast<std::size_t>(a.jobs);
  if (a.jobs > 1 && a.repeat != 1)
    throw RunRefused{kExitBadInput, "hurdle: --repeat runs one scenario at a time: leave out -j " +
                                        std::to_string(a.jobs) + ", or --repeat"};
  options.images = a.images;
  try {
    if (!a.accel.empty()) options.accel = parse_accelerator(a.accel, "--accel");
  } catch (const std::exception& e) {
    throw RunRefused{kExitBadInput, e.what()};
  }
  return options;
}

// hurdle shards itself (ScenarioFilter), so that a shard knows its scenarios before it starts;
// GoogleTest's own variables (set by CTest or a CI system) say the same when --shard does not,
// and are taken away so that GoogleTest does not shard again.
std::optional<Shard> shard_of(const RunRequest& a) {
  std::optional<Shard> shard;
  try {
    const char* index = std::getenv("GTEST_SHARD_INDEX");
    const char* total = std::getenv("GTEST_TOTAL_SHARDS");
    if (!a.shard.empty())
      shard = parse_shard(a.shard);
    else if (index != nullptr && total != nullptr)
      shard = parse_shard(std::string(index) + "/" + total);
  } catch (const std::exception& e) {
    throw RunRefused{kExitBadInput, std::string("--shard: ") + e.what()};
  }
  ::unsetenv("GTEST_SHARD_INDEX");
  ::unsetenv("GTEST_TOTAL_SHARDS");
  return shard;
}

// The scenarios the filters and the shard select; none is bad input (a typo in a filter must
// not pass as a green run of nothing).
std::vector<SelectedScenario> select_scenarios(const RunRequest& a,
                                               const std::vector<Suite>& suites,
                                               const std::optional<Shard>& shard) {
  std::vector<SelectedScenario> selected =
      ScenarioFilter(a.filter, a.exclude, shard).select(suites);
  if (selected.empty())
    throw RunRefused{kExitBadInput,
                     "hurdle: no scenario matches --filter '" + a.filter + "'" +
                         (a.exclude.empty() ? "" : " without --exclude '" + a.exclude + "'") +
                         (shard ? " in shard " + std::to_string(shard->index) + "/" +
                                      std::to_string(shard->count)
                                : "") +
                         "; `hurdle run --list FILES` lists them as SUITE.SCENARIO"};
  return selected;
}

// --events: opened, told what will run, and given each scenario's start.
std::unique_ptr<RunEvents> open_events(const RunRequest& a, const SecretMask& secrets,
                                       const std::vector<Suite>& suites,
                                       const std::vector<SelectedScenario>& selected,
                                       const RunOptions& options,
                                       const std::filesystem::path& junit) {
  if (a.events.empty()) return nullptr;
  std::unique_ptr<RunEvents> events;
  try {
    events = RunEvents::open(a.events, secrets);
  } catch (const std::exception& e) {
    throw RunRefused{kExitBadInput, e.what()};
  }
  events->run_started(options.report_dir, junit, scenario_names(suites, selected));
  return events;
}

// The exit status once every scenario ran and the findings were added (a case that still
// fails; `infrastructure`: a suite's machine failed, or the history could not be used), and
// summary.json.
int finish_run(bool infrastructure, const SignalWatcher& signals, const RunRecorder& recorder,
               const SecretMask& secrets, const RunOptions& options) {
  bool any_failed = false;
  for (const auto& suite : recorder.report().suites)
    for (const auto& c : suite.cases) {
      if (!failed(c.status)) continue;
      // The machinery's error (QEMU crashed under a scenario) is not the tests' failure.
      if (c.type == "InfrastructureError")
        infrastructure = true;
      else
        any_failed = true;
    }
  int exit_status = any_failed ? kExitFailed : kExitPassed;
  if (infrastructure) exit_status = kExitInfrastructure;
  if (const char* sig = signals.caught()) {
    std::cerr << "hurdle: the run was interrupted by " << sig << "\n";
    exit_status = kExitInfrastructure;
  }
  return finish_reports(recorder, exit_status, options.report_dir, secrets);
}

// One runner per suite with scenarios in this run (or shard), planned with them in the run's
// order; a suite with none here gets no runner, and so no machine. runners[s] is suite s's.
void add_runners(std::vector<Suite>& suites, const std::vector<SelectedScenario>& order,
                 const RunOptions& options, const SignalWatcher& signals,
                 std::vector<std::unique_ptr<SuiteRunner>>& runners, std::mutex& runners_mutex) {
  for (std::size_t s = 0; s < suites.size(); ++s) {
    std::vector<std::size_t> indices;
    for (const auto& one : order)
      if (one.suite == s &&
          std::find(indices.begin(), indices.end(), one.scenario) == indices.end())
        indices.push_back(one.scenario);
    std::lock_guard lock(runners_mutex);
    if (indices.empty()) {
      runners.push_back(nullptr);
      continue;
    }
    runners.push_back(std::make_unique<SuiteRunner>(std::move(suites[s]), options));
    runners.back()->plan(indices);  // only the end states these continue are kept
    // A signal that came while the suites were loading: this runner never starts a machine.
    if (const char* sig = signals.caught()) runners.back()->interrupt(sig);
  }
}

// The order of each round (--repeat) of the run: as selected, or shuffled with the seed (plus
// the round's number after the first).
std::vector<std::vector<SelectedScenario>> rounds_of(const RunRequest& a,
                                                     const std::vector<SelectedScenario>& selected,
                                                     const std::vector<Suite>& suites) {
  std::vector<std::vector<SelectedScenario>> rounds;
  for (int round = 0; round < a.repeat; ++round)
    rounds.push_back(a.shuffle
                         ? shuffled(selected, suites, *a.seed + static_cast<std::uint32_t>(round))
                         : selected);
  return rounds;
}

// hurdle's run loop: each round takes its scenarios in order, each run by its suite's runner,
// which tells `observer`; after a failure under --fail-fast, the rest are told as not run.
// `skipped`: the scenarios the expectations skip (SUITE.SCENARIO -> why), told as not run.
void run_rounds(const RunRequest& a, const std::vector<std::vector<SelectedScenario>>& rounds,
                const std::vector<std::unique_ptr<SuiteRunner>>& runners,
                const std::map<std::string, std::string>& skipped, RunObserver& observer) {
  std::optional<std::string> stopped;
  for (const auto& order : rounds) {
    for (const auto& one : order) {
      SuiteRunner& runner = *runners.at(one.suite);
      const Scenario& scenario = runner.suite().scenarios[one.scenario];
      if (const auto skip = skipped.find(runner.suite().name + "." + scenario.name);
          skip != skipped.end()) {
        observer.scenario_started(runner.suite(), scenario);
        observer.scenario_finished(runner.suite(), scenario,
                                   runner.skipped_result(one.scenario, skip->second));
        continue;
      }
      if (stopped) {
        observer.scenario_finished(runner.suite(), scenario,
                                   runner.skipped_result(one.scenario, *stopped));
        continue;
      }
      const ScenarioResult r = runner.run_scenario(one.scenario, observer);
      if (failed(r.status) && a.fail_fast)
        stopped = "not run: the run stopped at the first failure (--fail-fast), " +
                  runner.suite().name + "." + scenario.name;
    }
  }
}

// Each runner's failure of the machinery (not of a scenario), printed; true if there was one.
bool print_infrastructure_errors(const std::vector<std::unique_ptr<SuiteRunner>>& runners,
                                 const SecretMask& secrets) {
  bool any = false;
  for (const auto& r : runners) {
    if (!r || !r->infrastructure_error()) continue;
    print_error("hurdle: " + r->suite().name + ": " + *r->infrastructure_error(), secrets);
    any = true;
  }
  return any;
}

// The expectations file, read before anything boots (bad input otherwise).
std::optional<Expectations> expectations_of(const RunRequest& a) {
  if (a.expectations.empty()) return std::nullopt;
  try {
    return load_expectations(a.expectations);
  } catch (const std::exception& e) {
    throw RunRefused{kExitBadInput, std::string("hurdle: --expectations: ") + e.what()};
  }
}

// The selected scenarios an expectation of kind `skip` names for their suite's machine and
// image (an expectation that names an architecture is known only once the machine ran, and
// marks the result then): SUITE.SCENARIO -> why.
std::map<std::string, std::string> skipped_by_expectations(
    const std::optional<Expectations>& expectations, const std::vector<Suite>& suites,
    const std::vector<SelectedScenario>& selected) {
  std::map<std::string, std::string> skipped;
  if (!expectations) return skipped;
  for (const auto& one : selected) {
    const Suite& suite = suites[one.suite];
    TestPlace place;
    place.machine = suite.machine.stem().string();
    if (!suite.image.empty()) place.images.push_back(suite.image);
    const std::string id = suite.name + "." + suite.scenarios[one.scenario].name;
    const Expectation* e = expectation_for(*expectations, id, place);
    if (e == nullptr || e->kind != Expectation::Kind::kSkip) continue;
    skipped[id] = "skipped by " + e->where_text() + e->because();
  }
  return skipped;
}

// A history that cannot be used is said before the run, which goes on (its reports are
// written; the end says it again, and the run ends with the infrastructure's status).
void check_history(const RunRequest& a) {
  if (a.history.empty()) return;
  try {
    HistoryDatabase check(a.history, HistoryDatabase::Mode::kWrite);
  } catch (const std::exception& e) {
    print_error(std::string("hurdle: --history: ") + e.what() +
                "; the run goes on, and will not be recorded");
  }
}

int run_or_refuse(const RunRequest& request, RunObserver* also) {
  check_numbers(request);
  RunRequest a = request;
  std::vector<std::unique_ptr<SuiteRunner>> runners;
  std::mutex runners_mutex;
  SignalWatcher signals([&](const char* name) {
    std::lock_guard lock(runners_mutex);
    for (auto& r : runners)
      if (r) r->interrupt(name);
  });
  std::vector<Suite> suites = load_suites(a);
  const std::optional<Shard> shard = shard_of(a);
  std::vector<SelectedScenario> selected = select_scenarios(a, suites, shard);
  const std::optional<Expectations> expectations = expectations_of(a);
  const auto skipped = skipped_by_expectations(expectations, suites, selected);
  if (a.list) {
    for (const auto& name : scenario_names(suites, selected)) std::cout << name << "\n";
    return kExitPassed;
  }
  if (a.shuffle && !a.seed) {
    a.seed = std::random_device{}();
    std::cerr << "hurdle: shuffled with --seed " << *a.seed << "\n";
  }
  SecretMask secrets;
  for (const auto& suite : suites)
    for (const auto& secret : suite.secrets) secrets.add(secret);
  LiveLinesWriter live_lines(a.people_to_stderr);
  RunOptions options = run_options(a);
  options.live_lines = [&live_lines](bool err, const std::string& line) {
    live_lines.write(err, line);
  };
  options.live_block = [&live_lines](const std::string& title) { live_lines.block(title); };
  const auto rounds = rounds_of(a, selected, suites);
  selected = rounds.front();
  const std::filesystem::path junit =
      a.junit.empty() ? options.report_dir / "junit.xml" : std::filesystem::path(a.junit);
  RunRecorder recorder(junit);
  ProgressPrinter progress(std::cout, colour_wanted(STDOUT_FILENO), a.verbose);
  const std::unique_ptr<RunEvents> events =
      open_events(a, secrets, suites, selected, options, junit);
  check_history(a);
  std::optional<GithubAnnotations> annotations;
  if (const auto workspace = github_workspace())
    annotations.emplace(std::cout, *workspace, !a.history.empty());
  RunObservers observers;
  observers.add(progress);
  if (events) observers.add(*events);
  if (annotations) observers.add(*annotations);
  observers.add(recorder);
  if (also) observers.add(*also);
  for (const auto& one : selected)
    recorder.plan(suites[one.suite], suites[one.suite].scenarios[one.scenario]);
  add_runners(suites, selected, options, signals, runners, runners_mutex);
  recorder.flush();  // a valid report of what is planned exists from the start
  run_rounds(a, rounds, runners, skipped, observers);
  bool infrastructure = print_infrastructure_errors(runners, secrets);
  {
    std::lock_guard lock(runners_mutex);
    runners.clear();  // machines shut down before the summary line
  }
  progress.summary();
  FindingsOptions findings_options;
  findings_options.history = a.history;
  findings_options.expectations = expectations;
  findings_options.strict = a.strict;
  findings_options.flaky = {a.flaky_window, a.flaky_flips};
  RunReport report = recorder.report();
  const RunFindings findings = add_findings(report, findings_options, std::cout);
  recorder.replace_report(std::move(report));
  if (findings.history_error) infrastructure = true;
  if (annotations && !a.history.empty()) {
    // Without a verdict (the history could not be used), every annotation is printed.
    std::vector<std::string> told = findings.new_failures;
    if (findings.history_error)
      for (const auto& suite : recorder.report().suites)
        for (const auto& c : suite.cases) told.push_back(suite.name + "." + c.name);
    annotations->print_new_failures(told);
  }
  std::cout << "hurdle: reports in " << options.report_dir.string() << ", JUnit in "
            << junit.string() << "\n";
  const int exit_status = finish_run(infrastructure, signals, recorder, secrets, options);
  if (events) events->run_finished(exit_status, options.report_dir, junit);
  return exit_status;
}

}  // namespace

int run_suites(const RunRequest& a, RunObserver* also) {
  try {
    return run_or_refuse(a, also);
  } catch (const RunRefused& refused) {
    print_error(refused.message);
    return refused.status;
  }
}

}  // namespace hurdle
