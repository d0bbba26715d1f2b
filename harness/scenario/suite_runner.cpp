#include "scenario/suite_runner.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/duration_text.hpp"
#include "core/safe_text.hpp"
#include "scenario/step_executor.hpp"
#include "scenario/step_names.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// hurdle's errors name their kind; anything else is hurdle's own failure.
std::string kind_of(const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e)) return error->kind();
  return "InternalError";
}

// `d` times --timeout-scale, never beyond what a deadline (now + d) can hold.
std::chrono::milliseconds scaled(std::chrono::milliseconds d, double scale) {
  constexpr double kLongest = 365.0 * 24 * 3600 * 1000;  // a year: far from the clock's limit
  const double ms = std::min(static_cast<double>(d.count()) * scale, kLongest);
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

// The machine's logs, as byte offsets, so that each scenario gets its own slice of them.
using LogMarks = std::map<std::string, std::uintmax_t>;
constexpr const char* kSlicedLogs[] = {"console.log", "console.txt", "ssh.log", "qmp.log",
                                       "machine.log"};

LogMarks mark_logs(const fs::path& dir) {
  LogMarks marks;
  for (const char* name : kSlicedLogs) {
    std::error_code ec;
    const auto size = fs::file_size(dir / name, ec);
    marks[name] = ec ? 0 : size;
  }
  return marks;
}

// Copies what each log gained since `marks` into the scenario's folder; returns the files.
std::vector<fs::path> slice_logs(const fs::path& dir, const LogMarks& marks,
                                 const fs::path& folder) {
  std::vector<fs::path> slices;
  for (const auto& [name, from] : marks) {
    std::ifstream in(dir / name, std::ios::binary);
    if (!in) continue;
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uintmax_t>(in.tellg());
    const std::uintmax_t start = size >= from ? from : 0;  // a new machine's log starts over
    in.seekg(static_cast<std::streamoff>(start));
    std::ofstream out(folder / name, std::ios::binary | std::ios::trunc);
    if (size > start) out << in.rdbuf();
    slices.push_back(folder / name);
  }
  return slices;
}

// Writes the scenario's steps.json; returns its path.
fs::path write_steps_json(const ScenarioResult& r) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : r.steps) {
    steps.push_back({{"step", safe_text(s.step)},
                     {"where", safe_text(s.where.str())},
                     {"seconds", std::chrono::duration<double>(s.elapsed).count()},
                     {"passed", s.passed},
                     {"message", safe_text(s.message)}});
  }
  write_file_atomically(r.folder / "steps.json", steps.dump(2) + '\n');
  return r.folder / "steps.json";
}

}  // namespace

SuiteRunner::SuiteRunner(Suite suite, RunOptions options)
    : suite_(std::move(suite)),
      options_(std::move(options)),
      interrupt_event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      secrets_(suite_.secrets) {
  // An image being fetched for the boot stops on interrupt() as a running QEMU would.
  options_.images.download.abort_fd = interrupt_event_.get();
}

SuiteRunner::~SuiteRunner() {
  try {
    if (machine_) machine_->shutdown();
  } catch (...) {
    // The machine's destructor kills what is left.
  }
}

void SuiteRunner::boot() {
  MachineOptions mo;
  mo.accel = options_.accel;
  mo.log_dir = options_.report_dir / suite_.name / "machine";
  mo.profile_path = options_.profile_path;
  mo.images = options_.images;
  mo.secrets = suite_.secrets;
  const ProfileImageOptions image{suite_.image, fetching_image_resolver(options_.images)};
  auto machine =
      Machine::start(load_machine_profile(suite_.machine, suite_.machine_variables, image), mo);
  {
    std::lock_guard lock(machine_mutex_);
    machine_ = std::move(machine);
  }
  if (interrupted_) throw Error("interrupted while the machine was starting");
  if (suite_.wait_for_boot) machine_->wait_for_boot();
  if (suite_.login) machine_->login(suite_.login_user, suite_.login_password);
  StepExecutor provision(*machine_, suite_.variables,
                         options_.report_dir / suite_.name / "provision",
                         scaled(suite_.timeout, options_.timeout_scale));
  for (const auto& step : suite_.provision) provision.run(step);
  provisioned_ = provision.variables();
  // Connect SSH once before `pristine` when the machine has it: the snapshot then holds a
  // guest whose sshd has served a connection (its binary and libraries in the page cache),
  // and each restore is verified by an SSH round trip (~0.2 s instead of ~1.1 s cold).
  const auto& ssh = machine_->profile().ssh;
  if (snapshots() && ssh && (ssh->auth != SshSpec::Auth::kEphemeralKey || suite_.login)) {
    try {
      machine_->ssh();
    } catch (const Error& e) {
      machine_->note(std::string("SSH did not answer before the pristine snapshot: ") + e.what());
    }
  }
  used_ = false;
  if (snapshots()) {
    machine_->snapshot(kPristineTag);
    untouched_at_ = kPristineTag;
  }
}

bool SuiteRunner::snapshots() const {
  return suite_.reset == Suite::Reset::kSnapshot && machine_ && machine_->supports_snapshots();
}

std::string SuiteRunner::start_tag(std::size_t index) const {
  if (suite_.scenarios[index].isolation == Isolation::kChained && last_passed_)
    return end_state_tag(*last_passed_);
  return kPristineTag;
}

ScenarioResult SuiteRunner::attempt(std::size_t index, const std::string& from_tag) {
  const Scenario& sc = suite_.scenarios[index];
  ScenarioResult r;
  r.where = sc.where;
  r.folder = options_.report_dir / suite_.name / sc.name;
  fs::create_directories(r.folder);
  if (snapshots()) {
    // Restored already by a rollback, or just saved: restoring again would change nothing.
    if (untouched_at_ != from_tag) machine_->restore(from_tag);
    untouched_at_.reset();
  } else if (used_) {
    machine_->note("no snapshot reset for this suite: starting the machine afresh for " + sc.name);
    {
      std::lock_guard lock(machine_mutex_);
      machine_.reset();
    }
    boot();
  }
  used_ = true;
  StepExecutor steps(*machine_, provisioned_, r.folder,
                     scaled(suite_.timeout, options_.timeout_scale));
  for (const auto& step : sc.steps) {
    StepRecord record;
    record.step = step.describe();
    record.where = step.where;
    const auto t0 = Clock::now();
    try {
      Step adjusted = step;
      if (step.timeout) adjusted.timeout = scaled(*step.timeout, options_.timeout_scale);
      steps.run(adjusted);
      record.passed = true;
    } catch (const std::exception& e) {
      record.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
      record.message = e.what();
      r.steps.push_back(record);
      r.imported = steps.imported();
      r.status = ScenarioStatus::kFailed;
      r.error_kind = kind_of(e);
      r.where = step.where;
      r.message = dynamic_cast<const StepFailed*>(&e)
                      ? std::string(e.what())
                      : step.where.str() + ": " + step.describe() + ": " + e.what();
      // QEMU gone is not the scenario's failure: it is an error of the run. Unless the
      // scenario powered the machine off itself and then asked it for something.
      if (dynamic_cast<const QemuError*>(&e) && !machine_->powered_off())
        r.status = ScenarioStatus::kError;
      return r;
    }
    record.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    r.steps.push_back(record);
  }
  r.imported = steps.imported();
  r.status = ScenarioStatus::kPassed;
  return r;
}

void SuiteRunner::collect_artifacts(ScenarioResult& r) {
  if (!machine_ || !machine_->running()) return;
  const auto keep = [&](const fs::path& file) { r.attachments.push_back(file); };
  try {
    write_file_atomically(r.folder / "console-tail.txt",
                          safe_text(secrets_.masked(machine_->console().tail(8192))));
    keep(r.folder / "console-tail.txt");
  } catch (const std::exception&) {
  }
  try {
    std::ofstream(r.folder / "query-status.json")
        << machine_->qmp().execute("query-status").dump(2);
    keep(r.folder / "query-status.json");
  } catch (const std::exception&) {
  }
  try {
    machine_->screenshot(r.folder / "screenshot.png");
    keep(r.folder / "screenshot.png");
  } catch (const std::exception&) {
  }
}

void SuiteRunner::keep_failed_state(const Scenario& scenario, ScenarioResult& r) {
  if (!machine_ || !machine_->running()) return;  // nothing is left to save
  const fs::path folder = r.folder / "failed-state";
  try {
    fs::remove_all(folder);
    (void)machine_->save_to(folder, suite_.machine_variables, suite_.image,
                            suite_.name + "." + scenario.name + ": " + secrets_.masked(r.message));
    r.attachments.push_back(folder / SavedMachine::kManifest);
  } catch (const std::exception& e) {
    machine_->note(std::string("the failed machine could not be saved: ") + e.what());
  }
}

void SuiteRunner::roll_back(const std::string& tag) {
  if (!snapshots()) return;  // the next scenario starts the machine afresh
  try {
    machine_->restore(tag);
    untouched_at_ = tag;
    return;
  } catch (const std::exception& e) {
    machine_->note(std::string("rollback to ") + tag + " failed: " + e.what() +
                   "; rebooting from scratch");
  }
  if (interrupted_) return;
  try {
    {
      std::lock_guard lock(machine_mutex_);
      machine_.reset();
    }
    last_passed_.reset();
    boot();
  } catch (const std::exception& e) {
    broken_ = std::string("the machine could not be rebuilt after a failed rollback: ") + e.what();
  }
}

void SuiteRunner::interrupt(const std::string& why) {
  std::lock_guard lock(machine_mutex_);
  interruption_ = "interrupted by " + why;
  interrupted_ = true;
  const std::uint64_t one = 1;
  (void)::write(interrupt_event_.get(), &one, sizeof one);
  if (machine_) {
    machine_->note(interruption_ + ": killing QEMU");
    machine_->crash();
  }
}

ScenarioResult SuiteRunner::run_scenario(std::size_t index) {
  const Scenario& sc = suite_.scenarios[index];
  const auto t0 = Clock::now();
  ScenarioResult result;
  result.where = sc.where;
  result.folder = options_.report_dir / suite_.name / sc.name;
  std::chrono::milliseconds boot_time{0};
  if (interrupted_) {
    // Interrupted before this scenario (even before any machine existed): nothing starts.
    std::lock_guard lock(machine_mutex_);
    broken_ = interruption_;
  }
  if (!machine_ && !broken_) {
    try {
      boot();
    } catch (const std::exception& e) {
      broken_ = std::string("the machine did not boot: ") + e.what();
    }
    boot_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  } else if (machine_ && !broken_ && !interrupted_ && !machine_->running() &&
             !machine_->powered_off()) {
    // QEMU stopped after the previous scenario (a panic watcher stops it, and a scenario may
    // expect the panic): nothing is left to restore, so the machine starts afresh. (A machine
    // a scenario powered off keeps its disks and their snapshots: the restore starts QEMU.)
    machine_->note("QEMU " + machine_->process().exit_description() +
                   " after the previous scenario; starting the machine afresh for " + sc.name);
    try {
      {
        std::lock_guard lock(machine_mutex_);
        machine_.reset();
      }
      last_passed_.reset();
      untouched_at_.reset();
      boot();
    } catch (const std::exception& e) {
      broken_ = std::string("the machine did not boot again: ") + e.what();
    }
    boot_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  }
  if (interrupted_) {
    std::lock_guard lock(machine_mutex_);
    broken_ = interruption_;
  }
  if (broken_) {
    result.status = ScenarioStatus::kError;
    result.error_kind = "InfrastructureError";
    result.message = secrets_.masked(*broken_);
    result.boot = boot_time;
    // What the machine left of its failed boot: the screen when a boot marker did not come,
    // and the console as far as it went.
    const fs::path machine_logs = options_.report_dir / suite_.name / "machine";
    for (const char* name : {"boot-timeout.png", "console.txt", "machine.log"}) {
      std::error_code ec;
      if (fs::exists(machine_logs / name, ec)) result.attachments.push_back(machine_logs / name);
    }
    return result;
  }
  const std::string from = start_tag(index);
  const fs::path log_dir = options_.report_dir / suite_.name / "machine";
  const LogMarks marks = mark_logs(log_dir);
  for (int attempt_no = 1; attempt_no <= sc.retries + 1; ++attempt_no) {
    try {
      result = attempt(index, from);
    } catch (const std::exception& e) {  // the restore before the steps failed
      result.status = ScenarioStatus::kError;
      result.error_kind = kind_of(e);
      result.message = "restoring '" + from + "' before the scenario failed: " + e.what();
    }
    result.attempts = attempt_no;
    if (interrupted_) {
      std::lock_guard lock(machine_mutex_);
      result.status = ScenarioStatus::kError;
      result.error_kind = "Interrupted";
      result.message = interruption_ + " during this scenario; " + result.message;
      broken_ = interruption_;
      break;
    }
    if (result.status == ScenarioStatus::kPassed) {
      if (attempt_no > 1) result.status = ScenarioStatus::kFlaky;
      break;
    }
    if (const auto full = machine_ ? machine_->out_of_space() : std::nullopt) {
      // Not the scenario's fault, and no retry or later scenario would fare better.
      result.status = ScenarioStatus::kError;
      result.error_kind = "InfrastructureError";
      broken_ = *full;
      break;
    }
    collect_artifacts(result);
    if (options_.keep_failed_state && attempt_no == sc.retries + 1) keep_failed_state(sc, result);
    roll_back(from);
    if (broken_) break;
  }
  if (result.status == ScenarioStatus::kPassed || result.status == ScenarioStatus::kFlaky)
    keep_end_state(index);
  result.boot = boot_time;
  result.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0) - boot_time;
  mask(result);
  try {
    fs::create_directories(result.folder);  // attempt() made it, unless the restore failed
    result.attachments.push_back(write_steps_json(result));
    for (auto& slice : slice_logs(log_dir, marks, result.folder))
      result.attachments.push_back(std::move(slice));
  } catch (const std::exception& e) {
    // The scenario is still reported, as an error that says why its files are missing.
    result.status = ScenarioStatus::kError;
    result.error_kind = "ReportError";
    result.message = std::string("the scenario's report files could not be written: ") + e.what() +
                     (result.message.empty() ? "" : "; " + result.message);
  }
  return result;
}

void SuiteRunner::mask(ScenarioResult& r) const {
  if (secrets_.empty()) return;
  r.message = secrets_.masked(std::move(r.message));
  for (auto& s : r.steps) {
    s.step = secrets_.masked(std::move(s.step));
    s.message = secrets_.masked(std::move(s.message));
  }
  for (auto& t : r.imported) {
    t.name = secrets_.masked(std::move(t.name));
    t.message = secrets_.masked(std::move(t.message));
    t.output = secrets_.masked(std::move(t.output));
  }
}

void SuiteRunner::keep_end_state(std::size_t index) {
  const auto& later = suite_.scenarios;
  const bool chained_later =
      std::any_of(later.begin() + static_cast<std::ptrdiff_t>(index) + 1, later.end(),
                  [](const Scenario& s) { return s.isolation == Isolation::kChained; });
  if (!chained_later || !snapshots()) return;
  // The end state a newer one supersedes is never started from again, and each holds a copy
  // of the guest's RAM in the overlay: delete it. The same scenario passing again (--repeat)
  // supersedes its own end state, which must go before the tag can be saved anew.
  try {
    if (last_passed_) machine_->remove_snapshot(end_state_tag(*std::exchange(last_passed_, {})));
  } catch (const std::exception& e) {
    machine_->note(std::string("could not delete a superseded end state: ") + e.what());
  }
  try {
    machine_->snapshot(end_state_tag(index));
    last_passed_ = index;
    untouched_at_ = end_state_tag(index);
  } catch (const std::exception& e) {
    machine_->note(std::string("could not keep the end state for a chained scenario: ") + e.what());
  }
}

}  // namespace hurdle
