#include "scenario/suite_runner.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/cache_directory.hpp"
#include "core/duration_text.hpp"
#include "core/safe_text.hpp"
#include "machine/machine_template.hpp"
#include "scenario/boot_cache.hpp"
#include "scenario/clone_reset.hpp"
#include "scenario/reboot_reset.hpp"
#include "scenario/snapshot_reset.hpp"
#include "scenario/step_executor.hpp"
#include "scenario/step_names.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// A chained scenario with no end state to start from: its predecessor did not pass.
class PredecessorError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] const char* kind() const noexcept override { return "PredecessorNotPassed"; }
};

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
  std::vector<std::size_t> all(suite_.scenarios.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  plan(all);
}

SuiteRunner::~SuiteRunner() {
  std::unique_ptr<ResetStrategy> reset;
  {
    std::lock_guard lock(machine_mutex_);
    reset = std::move(reset_);
  }
  reset.reset();  // each strategy stops its machines
}

void SuiteRunner::plan(const std::vector<std::size_t>& indices) {
  const std::size_t n = suite_.scenarios.size();
  planned_.assign(n, false);
  dependents_.assign(n, 0);
  waiting_.assign(n, 0);
  for (const std::size_t i : indices) planned_.at(i) = true;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& after = suite_.scenarios[i].after;
    if (planned_[i] && after) ++dependents_[*after];
  }
}

const MachineProfile& SuiteRunner::profile() {
  if (!profile_) {
    const ProfileImageOptions image{suite_.image, fetching_image_resolver(options_.images)};
    profile_ = load_machine_profile(suite_.machine, suite_.machine_variables, image);
  }
  return *profile_;
}

MachineOptions SuiteRunner::machine_options() const {
  MachineOptions mo;
  mo.accel = options_.accel;
  mo.log_dir = options_.report_dir / suite_.name / "machine";
  mo.profile_path = options_.profile_path;
  mo.images = options_.images;
  mo.secrets = suite_.secrets;
  mo.cache_dir = options_.cache_dir;
  mo.work_dir = options_.work_dir;
  return mo;
}

std::unique_ptr<Machine> SuiteRunner::boot_machine(const fs::path& template_ram) {
  MachineOptions mo = machine_options();
  mo.template_ram = template_ram;
  auto machine = Machine::start(profile(), mo);
  {
    std::lock_guard lock(machine_mutex_);
    booting_ = machine.get();
  }
  struct Forget {
    SuiteRunner& runner;
    ~Forget() {
      std::lock_guard lock(runner.machine_mutex_);
      runner.booting_ = nullptr;
    }
  } forget{*this};
  if (interrupted_) throw Error("interrupted while the machine was starting");
  if (suite_.wait_for_boot) machine->wait_for_boot();
  if (suite_.login) machine->login(suite_.login_user, suite_.login_password);
  StepExecutor provision(*machine, suite_.variables, options_.report_dir / suite_.name / "provision",
                         scaled(suite_.timeout, options_.timeout_scale));
  for (const auto& step : suite_.provision) provision.run(step);
  provisioned_ = provision.variables();
  // Connect SSH once before the pristine state when the machine has it: that state then holds
  // a guest whose sshd has served a connection (its binary and libraries in the page cache),
  // and SSH comes back quickly after each reset (~0.2 s instead of ~1.1 s cold).
  const auto& ssh = machine->profile().ssh;
  const bool reboots = reset_ && reset_->mode() == Suite::Reset::kReboot;
  if (!reboots && ssh && (ssh->auth != SshSpec::Auth::kEphemeralKey || suite_.login)) {
    try {
      machine->ssh();
    } catch (const Error& e) {
      machine->note(std::string("SSH did not answer before the pristine state: ") + e.what());
    }
  }
  return machine;
}

void SuiteRunner::choose_reset() {
  const MachineProfile& p = profile();
  Suite::Reset mode = suite_.reset.value_or(Suite::Reset::kClone);
  std::string why = suite_.reset ? "as the suite asks" : "the default where the machine allows";
  if (mode == Suite::Reset::kClone) {
    if (const auto obstacle = clone_obstacle(p)) {
      mode = Suite::Reset::kSnapshot;
      why = "snapshot instead of clone: " + *obstacle;
    }
  }
  if (mode == Suite::Reset::kSnapshot && snapshot_disks(p).empty()) {
    mode = Suite::Reset::kReboot;
    why = "reboot instead of snapshot: the machine has no writable qcow2 disk to keep snapshots "
          "in (a live ISO?)";
  }
  const auto boot = [this](const fs::path& ram) { return boot_machine(ram); };
  std::unique_ptr<ResetStrategy> strategy;
  switch (mode) {
    case Suite::Reset::kClone: {
      CloneReset::Settings settings;
      settings.profile = p;
      settings.clone_options = machine_options();
      // The accelerator shapes the template (a TCG machine's state is not a KVM one's).
      Accelerator requested = p.accel;
      if (options_.accel)
        requested = *options_.accel;
      else if (auto env = accelerator_from_environment())
        requested = *env;
      const fs::path cache = options_.cache_dir ? *options_.cache_dir : user_cache_directory();
      const Accelerator accel = choose_accelerator(requested, p.qemu, {}, cache).accel;
      settings.clone_options.accel = accel;
      settings.key = template_key(suite_, p, accel, cache);
      if (options_.boot_cache) settings.cache = BootCache::in(cache);
      settings.profile_variables = suite_.machine_variables;
      settings.image = suite_.image;
      settings.suite = suite_.name;
      strategy = std::make_unique<CloneReset>(boot, std::move(settings), provisioned_);
      break;
    }
    case Suite::Reset::kSnapshot:
      strategy = std::make_unique<SnapshotReset>(boot);
      break;
    case Suite::Reset::kReboot:
      strategy = std::make_unique<RebootReset>(boot);
      break;
  }
  reset_reason_ = why;
  std::lock_guard lock(machine_mutex_);
  reset_ = std::move(strategy);
}

void SuiteRunner::prepare(const std::string& failure_context) {
  try {
    if (!reset_) choose_reset();
    for (auto& w : waiting_) w = 0;  // kept end states go with the old pristine state
    reset_->prepare();
    prepared_ = true;
    if (auto* clone = dynamic_cast<CloneReset*>(reset_.get()))
      boot_cache_use_ = clone->from_cache() ? "used" : "made";
  } catch (const std::exception& e) {
    prepared_ = false;
    broken_ = failure_context + e.what();
  }
}

std::string SuiteRunner::start_tag(std::size_t index, ScenarioResult& result) {
  const Scenario& sc = suite_.scenarios[index];
  if (!sc.after) return kPristineTag;
  const Scenario& before = suite_.scenarios[*sc.after];
  const std::string tag = end_state_tag(*sc.after);
  if (reset_->holds(tag)) return tag;
  if (planned_[*sc.after])
    throw PredecessorError("this scenario continues '" + before.name +
                           "', which did not pass in this run: there is no end state to start "
                           "from");
  // Not selected (a filter): run it first, so that this one starts where it ends.
  const std::string note = "ran '" + before.name + "' first: this scenario continues it (" +
                           sc.where.str() + "), and it was not selected";
  reset_->machine() ? reset_->machine()->note(note) : void();
  result.notes.push_back(note);
  const std::string from = start_tag(*sc.after, result);
  const ScenarioResult first = attempt(*sc.after, from);
  if (first.status != ScenarioStatus::kPassed) {
    roll_back(from);
    throw PredecessorError("this scenario continues '" + before.name +
                           "', which was run first and did not pass: " + first.message);
  }
  reset_->keep(tag);
  return tag;
}

ScenarioResult SuiteRunner::attempt(std::size_t index, const std::string& from_tag) {
  const Scenario& sc = suite_.scenarios[index];
  ScenarioResult r;
  r.where = sc.where;
  r.folder = options_.report_dir / suite_.name / sc.name;
  fs::create_directories(r.folder);
  const auto reset_start = Clock::now();
  const StartedMachine started = reset_->start(from_tag);
  Machine& machine = started.machine;
  if (started.reset) {
    r.console_ready =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - reset_start);
    r.reset_by = machine.last_restore().verified_by;
  }
  StepExecutor steps(machine, provisioned_, r.folder,
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
      if (dynamic_cast<const QemuError*>(&e) && !machine.powered_off())
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
  Machine* machine_ = machine();
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
  Machine* machine_ = machine();
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
  try {
    reset_->roll_back(tag);
    return;
  } catch (const std::exception& e) {
    if (Machine* m = machine())
      m->note(std::string("rollback to ") + tag + " failed: " + e.what() +
              "; preparing the pristine state anew");
  }
  if (interrupted_) return;
  prepare("the machine could not be rebuilt after a failed rollback: ");
}

void SuiteRunner::interrupt(const std::string& why) {
  std::lock_guard lock(machine_mutex_);
  interruption_ = "interrupted by " + why;
  interrupted_ = true;
  const std::uint64_t one = 1;
  (void)::write(interrupt_event_.get(), &one, sizeof one);
  if (booting_) {
    booting_->note(interruption_ + ": killing QEMU");
    booting_->crash();
  }
  if (reset_) reset_->crash();
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
  Machine* last = machine();
  if (!prepared_ && !broken_) {
    prepare("the machine did not boot: ");
    boot_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  } else if (last && !broken_ && !interrupted_ && !last->running() && !last->powered_off() &&
             reset_->mode() != Suite::Reset::kClone) {
    // QEMU stopped after the previous scenario (a panic watcher stops it, and a scenario may
    // expect the panic): nothing is left to restore, so the machine starts afresh. (A machine
    // a scenario powered off keeps its disks and their snapshots: the restore starts QEMU. A
    // clone is thrown away anyway.)
    last->note("QEMU " + last->process().exit_description() +
               " after the previous scenario; starting the machine afresh for " + sc.name);
    prepare("the machine did not boot again: ");
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
  const fs::path log_dir = options_.report_dir / suite_.name / "machine";
  const LogMarks marks = mark_logs(log_dir);
  std::string from;
  std::vector<std::string> notes;
  try {
    ScenarioResult setup;
    from = start_tag(index, setup);
    notes = std::move(setup.notes);
  } catch (const std::exception& e) {
    result.status = ScenarioStatus::kError;
    result.error_kind = kind_of(e);
    result.message = e.what();
    result.boot = boot_time;
    if (sc.after) release_end_state(index);
    mask(result);
    return result;
  }
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
    Machine* machine_ = machine();
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
  if (sc.after) release_end_state(index);
  if (Machine* m = machine(); m && result.console_ready) {
    result.ssh_ready = m->ssh_ready_after_restore(false);
    m->note("reset for " + sc.name + ": console ready after " +
            seconds_text(*result.console_ready) + " (" + result.reset_by + ")" +
            (result.ssh_ready ? ", SSH after " + seconds_text(*result.ssh_ready) : ""));
  }
  if (auto* clone = dynamic_cast<CloneReset*>(reset_.get()))
    for (auto& n : clone->take_notes()) notes.push_back(std::move(n));
  result.notes.insert(result.notes.begin(), notes.begin(), notes.end());
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
  if (dependents_[index] == 0 || !reset_) return;  // no planned scenario continues it
  const std::string tag = end_state_tag(index);
  try {
    // The same scenario passing again (--repeat) supersedes its own end state, which must go
    // before the tag can be saved anew.
    if (reset_->holds(tag)) reset_->drop(tag);
  } catch (const std::exception& e) {
    if (Machine* m = machine()) m->note(std::string("could not delete a superseded end state: ") + e.what());
  }
  try {
    reset_->keep(tag);
    waiting_[index] = dependents_[index];
  } catch (const std::exception& e) {
    if (Machine* m = machine())
      m->note(std::string("could not keep the end state for a chained scenario: ") + e.what());
  }
}

void SuiteRunner::release_end_state(std::size_t index) {
  const std::size_t before = *suite_.scenarios[index].after;
  if (waiting_[before] > 0) --waiting_[before];
  if (waiting_[before] > 0 || !reset_) return;
  try {
    reset_->drop(end_state_tag(before));
  } catch (const std::exception& e) {
    if (Machine* m = machine()) m->note(std::string("could not delete an end state: ") + e.what());
  }
}

}  // namespace hurdle
