// The hurdle program: argument parsing only; the work is in the library.
// Exit statuses: 0 all passed or valid, 1 some scenario failed, 2 bad input (a suite, a profile
// or an option), 3 the infrastructure failed (QEMU would not start, an image is missing).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <iostream>
#include <mutex>

#include <gtest/gtest.h>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>

#include "cli/cache_command.hpp"
#include "cli/image_command.hpp"
#include "cli/report_command.hpp"
#include "cli/resume_command.hpp"
#include "core/error.hpp"
#include "core/safe_text.hpp"
#include "core/secret_mask.hpp"
#include "core/version.hpp"
#include "core/wall_clock.hpp"
#include "machine/image_resolver.hpp"
#include "report/summary_writer.hpp"
#include "scenario/github_annotations.hpp"
#include "scenario/gtest_registration.hpp"
#include "scenario/progress_printer.hpp"
#include "scenario/run_recorder.hpp"
#include "scenario/scenario_filter.hpp"
#include "scenario/suite_loader.hpp"
#include "scenario/suite_runner.hpp"

namespace {

constexpr int kBadInput = 2;
constexpr int kInfrastructure = 3;

// Every message for the terminal goes through safe_text (errors quote guest output), and
// through the suites' secrets once they are known.
void print_error(const std::string& text, const hurdle::SecretMask& secrets = {}) {
  std::cerr << hurdle::safe_text(secrets.masked(text)) << "\n";
}

// What `run` and `validate` share about images.
struct ImageArguments {
  std::string lock;
  bool allow_unpinned = false;

  void add_to(CLI::App* command) {
    command->add_option("--image-lock", lock,
                        "the image lock for profiles' image: (default: $HURDLE_IMAGE_LOCK, else "
                        "the one beside the profiles' folder)");
    command->add_flag("--allow-unpinned", allow_unpinned,
                      "boot an image whose lock entry has no digest (checked against SHA512SUMS)");
  }
  [[nodiscard]] hurdle::ImageSettings settings() const {
    hurdle::ImageSettings s;
    if (!lock.empty()) s.lock = std::filesystem::path(lock);
    s.allow_unpinned = allow_unpinned;
    s.log = {&std::cerr, hurdle::progress_style(false, STDERR_FILENO), "hurdle: "};
    return s;
  }
};

// Loads the suite's machine profile and checks its image as a run would, fetching nothing.
void check_machine(const hurdle::Suite& suite, const ImageArguments& images) {
  const hurdle::ProfileImageOptions image{suite.image,
                                          hurdle::checking_image_resolver(images.settings())};
  hurdle::check_machine_files(
      hurdle::load_machine_profile(suite.machine, suite.machine_variables, image));
}

struct RunArguments {
  std::vector<std::string> files;
  std::string filter;   // SUITE.SCENARIO globs, ':'-separated
  std::string exclude;  // the same, left out
  std::string shard;    // INDEX/COUNT
  int repeat = 1;
  std::string junit;
  std::string report_dir = "reports";
  bool fail_fast = false;
  bool keep_failed_state = false;
  std::string accel;
  double timeout_scale = 1.0;
  bool verbose = false;  // GoogleTest's own output as well
  bool no_boot_cache = false;
  int jobs = 1;                          // scenarios at once, each in a clone of its own
  std::string reset;                     // overrides every suite's reset: mode
  std::vector<std::string> gtest_flags;  // anything else, passed to GoogleTest as it is
  ImageArguments images;
};

std::string run_name() {
  return "run-" + hurdle::wall_clock_text("%Y%m%dT%H%M%SZ") + "-" + std::to_string(::getpid());
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
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // before any other thread exists
    thread_ = std::thread([this] { watch(); });
  }
  ~SignalWatcher() {
    done_ = true;
    thread_.join();
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
        std::_Exit(kInfrastructure);
      }
      std::fprintf(stderr, "hurdle: %s: stopping the machines; the report is being finished\n",
                   name);
      on_signal_(name);
    }
  }

  sigset_t set_{};
  std::function<void(const char*)> on_signal_;
  std::atomic<const char*> caught_{nullptr};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// `hurdle run SUITES...`: every suite is validated first (exit 2), then run as GoogleTest tests.
int run(const RunArguments& a, const char* program) {
  std::vector<std::unique_ptr<hurdle::SuiteRunner>> runners;
  std::mutex runners_mutex;
  SignalWatcher signals([&](const char* name) {
    std::lock_guard lock(runners_mutex);
    for (auto& r : runners) r->interrupt(name);
  });
  std::vector<hurdle::Suite> suites;
  try {
    for (const auto& f : a.files) {
      suites.push_back(hurdle::load_suite(f));
      check_machine(suites.back(), a.images);
    }
  } catch (const std::exception& e) {
    print_error(e.what());
    return kBadInput;
  }
  if (!a.reset.empty()) {
    for (auto& suite : suites)
      suite.reset = a.reset == "clone"      ? hurdle::Suite::Reset::kClone
                    : a.reset == "snapshot" ? hurdle::Suite::Reset::kSnapshot
                                            : hurdle::Suite::Reset::kReboot;
  }
  hurdle::SecretMask secrets;
  for (const auto& suite : suites)
    for (const auto& secret : suite.secrets) secrets.add(secret);
  hurdle::RunOptions options;
  options.report_dir = std::filesystem::path(a.report_dir) / run_name();
  // Nothing is booted for a run whose report could not be written.
  try {
    std::filesystem::create_directories(options.report_dir);
  } catch (const std::exception& e) {
    print_error(std::string("hurdle: cannot write the run's reports: ") + e.what());
    return kInfrastructure;
  }
  options.timeout_scale = a.timeout_scale;
  options.keep_failed_state = a.keep_failed_state;
  options.boot_cache = !a.no_boot_cache;
  options.jobs = static_cast<std::size_t>(a.jobs);
  if (a.jobs > 1 && a.repeat != 1) {
    print_error("hurdle: --repeat runs one scenario at a time: leave out -j " +
                std::to_string(a.jobs) + ", or --repeat");
    return kBadInput;
  }
  options.images = a.images.settings();
  try {
    if (!a.accel.empty()) options.accel = hurdle::parse_accelerator(a.accel, "--accel");
  } catch (const std::exception& e) {
    print_error(e.what());
    return kBadInput;
  }
  std::vector<std::string> gtest_args = {program};
  if (a.repeat != 1) gtest_args.push_back("--gtest_repeat=" + std::to_string(a.repeat));
  if (a.fail_fast) gtest_args.push_back("--gtest_fail_fast");
  // hurdle shards itself (ScenarioFilter), so that a shard knows its scenarios before it
  // starts; GoogleTest's own variables (set by CTest or a CI system) say the same when
  // --shard does not, and are taken away so that GoogleTest does not shard again.
  std::optional<hurdle::Shard> shard;
  try {
    const char* index = std::getenv("GTEST_SHARD_INDEX");
    const char* total = std::getenv("GTEST_TOTAL_SHARDS");
    if (!a.shard.empty())
      shard = hurdle::parse_shard(a.shard);
    else if (index != nullptr && total != nullptr)
      shard = hurdle::parse_shard(std::string(index) + "/" + total);
  } catch (const std::exception& e) {
    print_error(std::string("--shard: ") + e.what());
    return kBadInput;
  }
  ::unsetenv("GTEST_SHARD_INDEX");
  ::unsetenv("GTEST_TOTAL_SHARDS");
  gtest_args.insert(gtest_args.end(), a.gtest_flags.begin(), a.gtest_flags.end());
  std::vector<char*> argv;
  for (auto& arg : gtest_args) argv.push_back(arg.data());
  int argc = static_cast<int>(argv.size());
  argv.push_back(nullptr);  // argv[argc]: GoogleTest moves it down with the flags it takes
  ::testing::InitGoogleTest(&argc, argv.data());

  const std::filesystem::path junit =
      a.junit.empty() ? options.report_dir / "junit.xml" : std::filesystem::path(a.junit);
  hurdle::RunRecorder recorder(junit);
  hurdle::ProgressPrinter progress(std::cout, hurdle::colour_wanted(STDOUT_FILENO));
  if (!a.verbose) {
    // One line per scenario from ProgressPrinter instead of GoogleTest's own report.
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  // On GitHub Actions, each scenario that did not pass is also a workflow command, which marks
  // its line in the suite file.
  std::optional<std::filesystem::path> workspace;
  if (const char* gha = std::getenv("GITHUB_ACTIONS");
      gha != nullptr && std::string(gha) == "true") {
    const char* checkout = std::getenv("GITHUB_WORKSPACE");
    workspace = checkout != nullptr ? std::filesystem::path(checkout) : std::filesystem::path();
  }
  const hurdle::ScenarioFilter filter(a.filter, a.exclude, shard);
  const std::vector<hurdle::SelectedScenario> selected = filter.select(suites);
  if (selected.empty()) {
    // A typo in a filter must not pass as a green run of nothing.
    print_error(
        "hurdle: no scenario matches --filter '" + a.filter + "'" +
        (a.exclude.empty() ? "" : " without --exclude '" + a.exclude + "'") +
        (shard ? " in shard " + std::to_string(shard->index) + "/" + std::to_string(shard->count)
               : "") +
        "; `hurdle run --gtest_list_tests FILES` lists them as SUITE.SCENARIO");
    return kBadInput;
  }
  for (const auto& one : selected)
    recorder.plan(suites[one.suite], suites[one.suite].scenarios[one.scenario]);
  for (std::size_t s = 0; s < suites.size(); ++s) {
    std::vector<std::size_t> indices;
    for (const auto& one : selected)
      if (one.suite == s) indices.push_back(one.scenario);
    if (indices.empty()) continue;  // nothing of this suite here: no runner, no machine
    {
      std::lock_guard lock(runners_mutex);
      runners.push_back(std::make_unique<hurdle::SuiteRunner>(std::move(suites[s]), options));
      // A signal that came while the suites were loading: this runner never starts a machine.
      if (const char* sig = signals.caught()) runners.back()->interrupt(sig);
    }
    hurdle::register_scenarios(
        *runners.back(), indices,
        [&recorder, &progress, &workspace](hurdle::SuiteRunner& runner, const hurdle::Scenario& sc,
                                           const hurdle::ScenarioResult& r) {
          progress.scenario_done(runner.suite().name, sc, r);
          if (workspace) {
            if (auto command = hurdle::github_annotation(runner.suite().name, sc, r, *workspace))
              std::cout << *command << std::endl;
          }
          recorder.record(runner, sc, r);
        });
  }
  recorder.flush();  // a valid (empty) report exists from the start
  const int status = RUN_ALL_TESTS();
  bool infrastructure = false;
  for (const auto& r : runners) {
    if (r->infrastructure_error()) {
      print_error("hurdle: " + r->suite().name + ": " + *r->infrastructure_error(), secrets);
      infrastructure = true;
    }
  }
  {
    std::lock_guard lock(runners_mutex);
    runners.clear();  // machines shut down before the summary line
  }
  progress.summary();
  std::cout << "hurdle: reports in " << options.report_dir.string() << ", JUnit in "
            << junit.string() << "\n";
  int exit_status = status == 0 ? 0 : 1;
  if (infrastructure) exit_status = kInfrastructure;
  if (const char* sig = signals.caught()) {
    std::cerr << "hurdle: the run was interrupted by " << sig << "\n";
    exit_status = kInfrastructure;
  }
  if (const auto error = recorder.write_error()) {
    print_error("hurdle: the JUnit report could not be written: " + *error, secrets);
    exit_status = kInfrastructure;
  }
  try {
    hurdle::write_summary_json(recorder.report(), exit_status, options.report_dir / "summary.json");
  } catch (const std::exception& e) {
    print_error(std::string("hurdle: summary.json could not be written: ") + e.what(), secrets);
    exit_status = kInfrastructure;
  }
  return exit_status;
}

// `hurdle validate FILES...`: loads every suite as `hurdle run` would, starts nothing.
int validate(const std::vector<std::string>& files, const ImageArguments& images) {
  int status = 0;
  for (const auto& file : files) {
    try {
      const hurdle::Suite suite = hurdle::load_suite(file);
      check_machine(suite, images);
      std::size_t steps = suite.provision.size();
      for (const auto& s : suite.scenarios) steps += s.steps.size();
      std::cout << file << ": ok, suite " << suite.name << ", " << suite.scenarios.size()
                << " scenario(s), " << steps << " step(s), machine " << suite.machine.string()
                << "\n";
    } catch (const std::exception& e) {
      print_error(e.what());
      status = kBadInput;
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hurdle: boot guest operating systems (Debian GNU/Hurd first) in QEMU and test them",
               "hurdle"};
  app.set_version_flag("--version", std::string("hurdle ") + hurdle::kVersion);
  app.footer("Documentation: README.md and docs/ in the hurdle source tree.");
  app.require_subcommand(0, 1);

  std::vector<std::string> validate_files;
  CLI::App* validate_cmd =
      app.add_subcommand("validate",
                         "Check suite files (structure, steps, regexes, variables, "
                         "machine profile) without starting anything; exit 2 on any error");
  validate_cmd->add_option("files", validate_files, "suite files (YAML)")->required();
  ImageArguments validate_images;
  validate_images.add_to(validate_cmd);

  RunArguments run_args;
  CLI::App* run_cmd = app.add_subcommand(
      "run",
      "Run suites: one boot per suite, a snapshot before each scenario, rollback on failure");
  run_cmd->add_option("files", run_args.files, "suite files (YAML)")->required();
  run_cmd->add_option("--filter", run_args.filter,
                      "run the scenarios whose SUITE.SCENARIO matches one of these globs "
                      "(':'-separated), e.g. 'linux-mini.*:smoke.boot-*'");
  run_cmd->add_option("--exclude", run_args.exclude,
                      "leave out the scenarios matching one of these globs, e.g. '*slow*'");
  run_cmd->add_option("--shard", run_args.shard, "run shard INDEX of COUNT, e.g. 0/4");
  run_cmd->add_option("--repeat", run_args.repeat, "run every scenario N times");
  run_cmd->add_option("--junit", run_args.junit, "write a JUnit XML report here");
  run_cmd->add_option("--report-dir", run_args.report_dir,
                      "where run folders go (default reports)");
  run_cmd->add_flag("--fail-fast", run_args.fail_fast, "stop at the first failed scenario");
  run_cmd->add_flag("--keep-failed-state", run_args.keep_failed_state,
                    "save a scenario's machine as it failed (SCENARIO/failed-state/ in the report "
                    "folder: RAM, disk changes, SSH key) for `hurdle resume`");
  run_cmd->add_flag(
      "--keep-going", [&](std::int64_t) { run_args.fail_fast = false; },
      "run every scenario whatever fails (the default)");
  run_cmd->add_option("--accel", run_args.accel,
                      "auto, kvm or tcg (overrides profiles and HURDLE_ACCEL)");
  run_cmd
      ->add_option("--timeout-scale", run_args.timeout_scale,
                   "multiply every step time-out (more than 0, at most 100)")
      ->check(CLI::Range(0.001, 100.0));
  run_cmd->add_flag("--verbose", run_args.verbose, "also print GoogleTest's own output");
  run_cmd
      ->add_option("-j,--jobs", run_args.jobs,
                   "run up to N scenarios at once, each in a clone of the suite's template (a "
                   "chained group stays in one clone, in order)")
      ->check(CLI::Range(1, 64));
  run_cmd->add_flag("--no-boot-cache", run_args.no_boot_cache,
                    "boot and make this run's own templates instead of using (and filling) the "
                    "boot cache");
  run_cmd
      ->add_option("--reset", run_args.reset,
                   "how scenarios get a pristine machine in every suite: clone, snapshot or "
                   "reboot (default: each suite's reset:, else clone where it can)")
      ->check(CLI::IsMember({"clone", "snapshot", "reboot"}));
  run_args.images.add_to(run_cmd);
  run_cmd->allow_extras();  // --gtest_* flags go to GoogleTest

  hurdle::cli::ImageCommand image_cmd(app);
  hurdle::cli::ReportCommand report_cmd(app);
  hurdle::cli::ResumeCommand resume_cmd(app);
  hurdle::cli::CacheCommand cache_cmd(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kBadInput;
  }
  // No command ends with an uncaught exception: what escapes is hurdle's own failure (exit 3),
  // or bad input (exit 2) when it is a configuration error.
  try {
    if (validate_cmd->parsed()) return validate(validate_files, validate_images);
    if (image_cmd.parsed()) return image_cmd.run();
    if (report_cmd.parsed()) return report_cmd.run();
    if (resume_cmd.parsed()) return resume_cmd.run();
    if (cache_cmd.parsed()) return cache_cmd.run();
    if (run_cmd->parsed()) {
      run_args.gtest_flags = run_cmd->remaining();
      return run(run_args, argv[0]);
    }
  } catch (const hurdle::ConfigError& e) {
    print_error(std::string("hurdle: ") + e.what());
    return kBadInput;
  } catch (const std::exception& e) {
    print_error(std::string("hurdle: ") + e.what());
    return kInfrastructure;
  }
  std::cout << app.help();
  return 0;
}
