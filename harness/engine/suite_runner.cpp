#include "engine/suite_runner.hpp"

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
#include "engine/boot_cache.hpp"
#include "engine/clone_reset.hpp"
#include "engine/reboot_reset.hpp"
#include "engine/scenario_attempts.hpp"
#include "engine/scenario_pool.hpp"
#include "engine/snapshot_reset.hpp"
#include "machine/machine_template.hpp"
#include "qemu/image_digest.hpp"
#include "suite/step_executor.hpp"
#include "suite/step_names.hpp"

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

// `d` times --timeout-scale, never beyond what a deadline (now + d) can hold.
std::chrono::milliseconds scaled(std::chrono::milliseconds d, double scale) {
  constexpr double kLongest = 365.0 * 24 * 3600 * 1000;  // a year: far from the clock's limit
  const double ms = std::min(static_cast<double>(d.count()) * scale, kLongest);
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

// The machine's logs, as byte offsets, so that each scenario gets its own slice of them.
using LogMarks = std::map<std::string, std::uintmax_t>;
constexpr const char* kSlicedLogs[] = {"console.log", "console.txt", "ssh.log",
                                       "channel.log", "qmp.log",     "machine.log"};

LogMarks mark_logs(const fs::path& dir) {
  LogMarks marks;
  for (const char* name : kSlicedLogs) {
    std::error_code ec;
    const auto size = fs::file_size(dir / name, ec);
    marks[name] = ec ? 0 : size;
  }
  return marks;
}

// Marks at the start of every log: a machine whose logs are all the scenario's.
LogMarks whole_logs() {
  LogMarks marks;
  for (const char* name : kSlicedLogs) marks[name] = 0;
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
    if (s.command) {
      steps.back()["exit_status"] = s.command->exit_status;
      if (!s.command->signal.empty()) steps.back()["signal"] = s.command->signal;
      if (!s.command->over.empty()) steps.back()["over"] = s.command->over;
    }
    if (s.ran_after_failure) steps.back()["after_failure"] = true;
  }
  write_file_atomically(r.folder / "steps.json", steps.dump(2) + '\n');
  return r.folder / "steps.json";
}

}  // namespace

SuiteRunner::SuiteRunner(Suite suite, RunOptions options)
    : suite_(std::move(suite)),
      options_(std::move(options)),
      plan_(suite_),
      interrupt_event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      secrets_(suite_.secrets) {
  // An image being fetched for the boot stops on interrupt() as a running QEMU would.
  options_.images.download.abort_fd = interrupt_event_.get();
}

SuiteRunner::~SuiteRunner() {
  pool_.reset();  // the workers finish their scenario in progress first
  std::vector<std::unique_ptr<Lane>> lanes;
  {
    std::lock_guard lock(machine_mutex_);
    lanes = std::move(lanes_);
  }
  lanes.clear();  // each strategy stops its machines
}

Machine* SuiteRunner::machine() {
  // With several lanes their machines come and go on other threads: none is "the" machine.
  if (lanes_.size() != 1 || !lanes_[0]->reset) return nullptr;
  return lanes_[0]->reset->machine();
}

std::optional<SuiteFacts> SuiteRunner::facts() const {
  const auto mode = reset_mode();
  if (!mode) return std::nullopt;
  SuiteFacts facts;
  facts.reset = *mode;
  facts.reset_reason = reset_reason_;
  facts.boot_cache = boot_cache_use_;
  std::lock_guard lock(facts_mutex_);
  facts.machine = facts_;
  facts.image_sha256 = image_sha256_;
  return facts;
}

void SuiteRunner::tell_facts(RunObserver& observer) {
  auto now = facts();
  if (!now || (told_ && *told_ == *now)) return;
  observer.suite_facts(suite_, *now);
  told_ = std::move(now);
}

void SuiteRunner::note_facts(Lane& lane) {
  {
    std::lock_guard lock(facts_mutex_);
    if (facts_) return;
  }
  Machine* m = lane.reset->machine();
  if (m == nullptr || !m->running()) return;
  MachineFacts facts;
  try {
    facts = m->facts();
  } catch (const std::exception&) {
    return;  // a machine whose QMP no longer answers: the next scenario's gives them
  }
  // A prepared image from the lock: its digests are known, nothing is hashed again.
  std::map<std::string, std::string> digests;
  const auto& prepared = facts.profile.prepared_image;
  for (const auto& d : facts.profile.disks) {
    if (prepared && d.file == prepared->disk) continue;
    try {
      digests[d.node_name] = image_sha256(d.file, facts.cache_dir);
    } catch (const Error& e) {
      digests[d.node_name] = std::string("unavailable: ") + e.what();
    }
  }
  std::lock_guard lock(facts_mutex_);
  if (facts_) return;
  facts_ = std::move(facts);
  image_sha256_ = std::move(digests);
}

std::optional<Suite::Reset> SuiteRunner::reset_mode() const {
  if (lanes_.empty() || !lanes_[0]->reset) return std::nullopt;
  return lanes_[0]->reset->mode();
}

void SuiteRunner::break_with(const std::string& why) {
  std::lock_guard lock(broken_mutex_);
  if (!broken_) broken_ = why;
}

std::optional<std::string> SuiteRunner::broken() const {
  std::lock_guard lock(broken_mutex_);
  return broken_;
}

void SuiteRunner::plan(const std::vector<std::size_t>& indices) {
  plan_ = ScenarioPlan(suite_, indices);
}

const MachineProfile& SuiteRunner::profile() {
  if (!profile_) {
    const ProfileImageOptions image = starting_profile_options(suite_.image, options_.images);
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
  StepExecutor provision(*machine, suite_.variables,
                         options_.report_dir / suite_.name / "provision",
                         scaled(suite_.timeout, options_.timeout_scale));
  provision.set_live_lines(live_lines());
  for (const auto& step : suite_.provision) provision.run(step);
  provisioned_ = provision.variables();
  // Connect SSH once before the pristine state when the machine has it: that state then holds
  // a guest whose sshd has served a connection (its binary and libraries in the page cache),
  // and SSH comes back quickly after each reset (~0.2 s instead of ~1.1 s cold).
  const auto& ssh = machine->profile().ssh;
  const bool reboots = reset_mode() == Suite::Reset::kReboot;
  if (!reboots && ssh && (ssh->auth != SshSpec::Auth::kEphemeralKey || suite_.login)) {
    try {
      machine->ssh();
    } catch (const Error& e) {
      machine->note(std::string("SSH did not answer before the pristine state: ") + e.what());
    }
  }
  return machine;
}

std::vector<std::unique_ptr<SuiteRunner::Lane>> SuiteRunner::new_lanes(
    std::size_t jobs, const fs::path& machine_dir) const {
  std::vector<std::unique_ptr<Lane>> lanes;
  for (std::size_t k = 0; k < jobs; ++k) {
    auto lane = std::make_unique<Lane>();
    // One lane logs where the suite's machine does; several log apart, each in order.
    lane->log_dir = jobs == 1 ? machine_dir : machine_dir / ("lane-" + std::to_string(k + 1));
    fs::create_directories(lane->log_dir);
    lane->log =
        std::make_unique<LogFile>(lane->log_dir / "machine.log", LogFile::Stamp::kLocalTime);
    for (const auto& secret : suite_.secrets) lane->log->add_secret(secret);
    lanes.push_back(std::move(lane));
  }
  return lanes;
}

void SuiteRunner::make_clone_lanes(std::vector<std::unique_ptr<Lane>>& lanes,
                                   const fs::path& machine_dir) {
  const MachineProfile& p = profile();
  const auto boot = [this](const fs::path& ram) { return boot_machine(ram); };
  TemplateSource::Settings settings;
  settings.profile = p;
  // The accelerator shapes the template (a TCG machine's state is not a KVM one's).
  const fs::path cache = cache_directory(options_.cache_dir);
  const Accelerator accel = choose_machine_accelerator(p, options_.accel, cache).accel;
  settings.key = template_key(suite_, p, accel, cache);
  if (options_.boot_cache) {
    settings.cache = BootCache::in(cache);
    // Cheap, and the only way tmpfs gets back the RAM of caches that are gone.
    (void)BootCache::sweep_orphans(BootCache::default_shm_folder());
  }
  settings.log_dir = machine_dir;
  // Where the machines' overlays go too (a run-only template's RAM is as large as they are).
  settings.work_dir = work_directory(options_.work_dir);
  settings.secrets = suite_.secrets;
  settings.profile_variables = suite_.machine_variables;
  settings.image = suite_.image;
  settings.suite = suite_.name;
  settings.variables = suite_.variables;
  for (const auto& step : suite_.provision)
    settings.captured.insert(step.captures.begin(), step.captures.end());
  settings.digest_cache = cache;
  templates_ = std::make_shared<TemplateSource>(boot, std::move(settings), provisioned_);
  for (std::size_t k = 0; k < lanes.size(); ++k) {
    MachineOptions clones = machine_options();
    clones.accel = accel;
    clones.log_dir = lanes[k]->log_dir;
    lanes[k]->reset = std::make_unique<CloneReset>(templates_, clones, k == 0);
  }
}

void SuiteRunner::make_lanes() {
  const MachineProfile& p = profile();
  Suite::Reset mode = suite_.reset.value_or(Suite::Reset::kClone);
  std::string why = suite_.reset ? "as the suite asks" : "the default where the machine allows";
  if (clones_failed_) {
    mode = Suite::Reset::kSnapshot;
    why = "snapshot instead of clone: " + *clones_failed_;
  }
  if (mode == Suite::Reset::kClone) {
    if (const auto obstacle = clone_obstacle(p)) {
      mode = Suite::Reset::kSnapshot;
      why = "snapshot instead of clone: " + *obstacle;
    }
  }
  if (mode == Suite::Reset::kSnapshot && snapshot_disks(p).empty()) {
    mode = Suite::Reset::kReboot;
    why =
        "reboot instead of snapshot: the machine has no writable qcow2 disk to keep snapshots "
        "in (a live ISO?)";
  }
  std::size_t jobs = std::max<std::size_t>(1, options_.jobs);
  if (jobs > 1 && mode != Suite::Reset::kClone) {
    why += "; one scenario at a time: -j " + std::to_string(jobs) + " needs clones";
    jobs = 1;
  }
  const auto boot = [this](const fs::path& ram) { return boot_machine(ram); };
  const fs::path machine_dir = options_.report_dir / suite_.name / "machine";
  std::vector<std::unique_ptr<Lane>> lanes = new_lanes(jobs, machine_dir);
  switch (mode) {
    case Suite::Reset::kClone:
      make_clone_lanes(lanes, machine_dir);
      break;
    case Suite::Reset::kSnapshot:
      lanes[0]->reset = std::make_unique<SnapshotReset>(boot);
      break;
    case Suite::Reset::kReboot:
      lanes[0]->reset = std::make_unique<RebootReset>(boot);
      break;
  }
  reset_reason_ = why;
  std::lock_guard lock(machine_mutex_);
  lanes_ = std::move(lanes);
}

void SuiteRunner::prepare(const std::string& failure_context) {
  try {
    if (lanes_.empty()) make_lanes();
    plan_.forget_end_states();  // kept end states go with the old pristine state
    try {
      for (auto& lane : lanes_) lane->reset->prepare();  // the first makes the template
    } catch (const TemplateError& e) {
      // Clones do not work on this host: snapshots do the same, slower. Not when the suite
      // asked for clones: then it is the run's error.
      if (suite_.reset == Suite::Reset::kClone) throw;
      clones_failed_ = e.what();
      const fs::path log = options_.report_dir / suite_.name / "machine" / "machine.log";
      LogFile(log, LogFile::Stamp::kLocalTime)
          .write("reset: clone failed on this host (" + *clones_failed_ +
                 "); snapshot resets instead");
      {
        std::lock_guard lock(machine_mutex_);
        lanes_.clear();
      }
      templates_.reset();
      make_lanes();
      for (auto& lane : lanes_) lane->reset->prepare();
    }
    prepared_ = true;
    boot_cache_use_ = templates_ ? (templates_->from_cache() ? "used" : "made") : "";
  } catch (const std::exception& e) {
    prepared_ = false;
    break_with(failure_context + e.what());
  }
}

void SuiteRunner::prepare_with_retries(const std::string& failure_context) {
  const int attempts = 1 + std::max(0, options_.infra_retries);
  for (int attempt = 1;; ++attempt) {
    prepare(failure_context);
    const auto why = broken();
    if (!why || interrupted_) return;
    const std::string line = "infrastructure: attempt " + std::to_string(attempt) + " of " +
                             std::to_string(attempts) +
                             " to boot the machine failed: " + secrets_.masked(*why);
    boot_attempts_.push_back(line);
    const fs::path log = options_.report_dir / suite_.name / "machine" / "machine.log";
    LogFile(log, LogFile::Stamp::kLocalTime)
        .write(line + (attempt < attempts ? "; booting again" : "; no attempt left"));
    if (attempt >= attempts) return;
    {
      std::lock_guard lock(machine_mutex_);
      lanes_.clear();
    }
    templates_.reset();
    std::lock_guard lock(broken_mutex_);
    broken_.reset();
  }
}

std::string SuiteRunner::start_tag(Lane& lane, std::size_t index, ScenarioResult& result) {
  const Scenario& sc = suite_.scenarios[index];
  if (!sc.after) return kPristineTag;
  const Scenario& before = suite_.scenarios[*sc.after];
  const std::string tag = end_state_tag(*sc.after);
  ResetStrategy& reset = *lane.reset;
  if (reset.holds(tag)) return tag;
  if (plan_.planned(*sc.after))
    throw PredecessorError("this scenario continues '" + before.name +
                           "', which did not pass in this run: there is no end state to start "
                           "from");
  // Not selected (a filter): run it first, so that this one starts where it ends.
  const std::string note = "ran '" + before.name + "' first: this scenario continues it (" +
                           sc.where.str() + "), and it was not selected";
  lane.log->write(note);
  result.notes.push_back(note);
  const std::string from = start_tag(lane, *sc.after, result);
  const ScenarioResult first = attempt(lane, *sc.after, from);
  if (first.status != Verdict::kPassed) {
    roll_back(lane, from);
    throw PredecessorError("this scenario continues '" + before.name +
                           "', which was run first and did not pass: " + first.message);
  }
  reset.keep(tag);
  return tag;
}

ScenarioResult SuiteRunner::attempt(Lane& lane, std::size_t index, const std::string& from_tag) {
  const Scenario& sc = suite_.scenarios[index];
  ScenarioResult r = result_for(index);
  fs::create_directories(r.folder);
  const auto reset_start = Clock::now();
  const StartedMachine started = lane.reset->start(from_tag);
  Machine& machine = started.machine;
  if (started.reset) {
    r.reset_started = reset_start;
    r.console_ready =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - reset_start);
    r.reset_by = started.how + ", " + machine.last_restore().verified_by;
  }
  StepExecutor steps(machine, provisioned_, r.folder,
                     scaled(suite_.timeout, options_.timeout_scale));
  steps.set_live_lines(live_lines());
  r.status = Verdict::kPassed;
  for (const auto& step : sc.steps) {
    const bool failed = r.status != Verdict::kPassed;
    if (failed && !step.always) continue;
    StepRecord record;
    record.step = step.describe();
    record.where = step.where;
    record.ran_after_failure = failed;
    const auto t0 = Clock::now();
    try {
      Step adjusted = step;
      if (step.timeout) adjusted.timeout = scaled(*step.timeout, options_.timeout_scale);
      steps.run(adjusted);
      record.passed = true;
    } catch (const std::exception& e) {
      record.message = e.what();
      // The scenario's failure is its first; a later `always` step's is only recorded.
      if (!failed) fail_with(r, step, e, machine);
    }
    record.command = steps.take_command_end();
    record.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    r.steps.push_back(record);
  }
  r.imported = steps.imported();
  return r;
}

void SuiteRunner::fail_with(ScenarioResult& r, const Step& step, const std::exception& e,
                            Machine& machine) const {
  r.status = Verdict::kFailed;
  r.error_kind = error_kind_of(e);
  r.where = step.where;
  r.message = dynamic_cast<const StepFailed*>(&e)
                  ? std::string(e.what())
                  : step.where.str() + ": " + step.describe() + ": " + e.what();
  // QEMU gone is not the scenario's failure: it is an error of the run. Unless the scenario
  // powered the machine off itself and then asked it for something.
  if (dynamic_cast<const QemuError*>(&e) && !machine.powered_off()) r.status = Verdict::kError;
}

LiveLineSink SuiteRunner::live_lines() const {
  if (!options_.live_lines) return {};
  LiveLineSink sink;
  sink.line = [this](bool err, std::string_view line) {
    options_.live_lines(err, safe_text(secrets_.masked(std::string(line))));
  };
  if (options_.live_block)
    sink.block = [this](const std::string& title) {
      options_.live_block(safe_line(secrets_.masked(title)));
    };
  return sink;
}

void SuiteRunner::collect_artifacts(Lane& lane, ScenarioResult& r) {
  Machine* machine_ = lane.reset->machine();
  if (!machine_ || !machine_->running()) return;
  const auto keep = [&](const fs::path& file) { r.attachments.push_back(file); };
  try {
    std::string tail = machine_->console().tail(8192);
    if (tail.empty())  // a clone whose steps all went over SSH
      tail =
          "(the serial console printed nothing on this scenario's machine; the boot's console "
          "is in machine/console.txt)\n";
    write_file_atomically(r.folder / "console-tail.txt", safe_text(secrets_.masked(tail)));
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

void SuiteRunner::keep_failed_state(Lane& lane, const Scenario& scenario, ScenarioResult& r) {
  Machine* machine_ = lane.reset->machine();
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

void SuiteRunner::keep_last_state(Lane& lane, std::size_t index, ScenarioResult& r) {
  if (options_.keep_last_state.empty() || index + 1 != suite_.scenarios.size()) return;
  Machine* machine = lane.reset->machine();
  if (!machine || !machine->running()) return;  // nothing is left to save
  try {
    fs::remove_all(options_.keep_last_state);
    (void)machine->save_to(options_.keep_last_state, suite_.machine_variables, suite_.image,
                           suite_.name + "." + suite_.scenarios[index].name + " ended");
  } catch (const std::exception& e) {
    r.notes.push_back(std::string("the machine could not be saved to go on: ") + e.what());
    machine->note(r.notes.back());
  }
}

void SuiteRunner::roll_back(Lane& lane, const std::string& tag) {
  try {
    lane.reset->roll_back(tag);
    return;
  } catch (const std::exception& e) {
    if (Machine* m = lane.reset->machine())
      m->note(std::string("rollback to ") + tag + " failed: " + e.what() +
              "; preparing the pristine state anew");
  }
  if (interrupted_) return;
  try {
    lane.reset->prepare();
  } catch (const std::exception& e) {
    break_with(std::string("the machine could not be rebuilt after a failed rollback: ") +
               e.what());
  }
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
  for (auto& lane : lanes_)
    if (lane->reset) lane->reset->crash();
}

ScenarioResult SuiteRunner::result_for(std::size_t index) const {
  const Scenario& sc = suite_.scenarios[index];
  ScenarioResult result;
  result.where = sc.where;
  result.folder = options_.report_dir / suite_.name / sc.name;
  return result;
}

ScenarioResult SuiteRunner::error_result(std::size_t index, std::chrono::milliseconds boot_time) {
  ScenarioResult result = result_for(index);
  result.status = Verdict::kError;
  result.error_kind = "InfrastructureError";
  result.message = secrets_.masked(broken().value_or("the run was stopped"));
  result.boot = boot_time;
  if (!boot_attempts_.empty()) {
    result.attempts = static_cast<int>(boot_attempts_.size());
    result.notes = boot_attempts_;
    if (boot_attempts_.size() > 1)
      result.message += " (the machine failed to boot " + std::to_string(boot_attempts_.size()) +
                        " times: --infra-retries " + std::to_string(options_.infra_retries) + ")";
  }
  // What the machine left of its failed boot: the screen when a boot marker did not come,
  // and the console as far as it went.
  const fs::path machine_logs = options_.report_dir / suite_.name / "machine";
  for (const char* name : {"boot-timeout.png", "console.txt", "machine.log"}) {
    std::error_code ec;
    if (fs::exists(machine_logs / name, ec)) result.attachments.push_back(machine_logs / name);
  }
  return result;
}

ScenarioResult SuiteRunner::run_scenario(std::size_t index) {
  RunObserver nobody;
  return run_scenario(index, nobody);
}

ScenarioResult SuiteRunner::run_scenario(std::size_t index, RunObserver& observer) {
  const Scenario& sc = suite_.scenarios.at(index);
  observer.scenario_started(suite_, sc);
  ScenarioResult result;
  try {
    result = run_planned(index);
  } catch (const std::exception& e) {
    // hurdle's own failure still reports the scenario, as an error with the reason.
    result = result_for(index);
    result.status = Verdict::kError;
    result.error_kind = "InternalError";
    result.message = std::string("hurdle failed while running the scenario: ") + e.what();
  }
  tell_facts(observer);
  observer.scenario_finished(suite_, sc, result);
  return result;
}

ScenarioResult SuiteRunner::skipped_result(std::size_t index, const std::string& why) const {
  ScenarioResult result = result_for(index);
  result.status = Verdict::kSkipped;
  result.message = why;
  return result;
}

ScenarioResult SuiteRunner::run_planned(std::size_t index) {
  const Scenario& sc = suite_.scenarios[index];
  const auto t0 = Clock::now();
  std::chrono::milliseconds boot_time{0};
  if (interrupted_) {
    // Interrupted before this scenario (even before any machine existed): nothing starts.
    std::lock_guard lock(machine_mutex_);
    break_with(interruption_);
  }
  Machine* last = machine();
  if (!prepared_ && !broken()) {
    prepare_with_retries("the machine did not boot: ");
    boot_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  } else if (last && !broken() && !interrupted_ && !last->running() && !last->powered_off() &&
             reset_mode() != Suite::Reset::kClone) {
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
    break_with(interruption_);
  }
  if (broken()) return error_result(index, boot_time);
  if (lanes_.size() == 1) {
    ScenarioResult result = run_on_lane(*lanes_[0], index);
    result.boot = boot_time;
    return result;
  }
  // Several lanes: the pool runs every planned scenario, group by group; this waits for this
  // one's result (the boot counts for the first scenario asked for, as with one lane).
  if (!pool_) {
    pool_ = std::make_unique<ScenarioPool>(
        lanes_.size(), plan_.groups(),
        [this](std::size_t worker, std::size_t i) { return run_on_lane(*lanes_[worker], i); });
  }
  ScenarioResult result;
  try {
    result = pool_->take(index);
  } catch (const std::exception& e) {
    result = error_result(index, {});
    result.message = e.what();
  }
  result.boot = boot_time;
  return result;
}

ScenarioResult SuiteRunner::run_on_lane(Lane& lane, std::size_t index) {
  const Scenario& sc = suite_.scenarios[index];
  const auto t0 = Clock::now();
  if (interrupted_) {
    std::lock_guard lock(machine_mutex_);
    break_with(interruption_);
  }
  if (broken()) return error_result(index, {});
  // The logs of the machine the scenario starts on; a clone has a folder of its own.
  const fs::path marked_dir =
      lane.reset->machine() ? lane.reset->machine()->log_dir() : lane.log_dir;
  const std::map<std::string, std::uintmax_t> marks = mark_logs(marked_dir);
  std::string from;
  std::vector<std::string> notes;
  try {
    ScenarioResult setup;
    from = start_tag(lane, index, setup);
    notes = std::move(setup.notes);
  } catch (const std::exception& e) {
    ScenarioResult result = result_for(index);
    result.status = Verdict::kError;
    result.error_kind = error_kind_of(e);
    result.message = e.what();
    if (sc.after) release_end_state(lane, index);
    mask(result);
    return result;
  }
  ScenarioResult result = run_attempts(lane, index, from);
  note_facts(lane);
  if (result.status == Verdict::kPassed || result.status == Verdict::kFlaky)
    keep_end_state(lane, index);
  if (sc.after) release_end_state(lane, index);
  log_reset_times(lane, sc, result);
  if (templates_)
    for (auto& n : templates_->take_notes()) notes.push_back(std::move(n));
  result.notes.insert(result.notes.begin(), notes.begin(), notes.end());
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  mask(result);
  write_scenario_files(lane, result, marked_dir, marks);
  return result;
}

// The runner's lane as run_attempts() sees it (engine/scenario_attempts.hpp).
struct SuiteRunner::OnLane {
  SuiteRunner& runner;
  Lane& lane;
  std::size_t index;
  const std::string& from;

  ScenarioResult attempt() { return runner.attempt(lane, index, from); }
  std::optional<std::string> interruption() {
    if (!runner.interrupted_) return std::nullopt;
    std::lock_guard lock(runner.machine_mutex_);
    return runner.interruption_;
  }
  void keep_last_state(ScenarioResult& r) { runner.keep_last_state(lane, index, r); }
  std::optional<std::string> out_of_space() {
    Machine* machine = lane.reset->machine();
    return machine ? machine->out_of_space() : std::nullopt;
  }
  void collect_artifacts(ScenarioResult& r) { runner.collect_artifacts(lane, r); }
  void keep_failed_state(ScenarioResult& r) {
    if (runner.options_.keep_failed_state)
      runner.keep_failed_state(lane, runner.suite_.scenarios[index], r);
  }
  void roll_back() { runner.roll_back(lane, from); }
  bool broken() { return runner.broken().has_value(); }
  void break_with(const std::string& why) { runner.break_with(why); }
};

ScenarioResult SuiteRunner::run_attempts(Lane& lane, std::size_t index, const std::string& from) {
  OnLane on{*this, lane, index, from};
  return hurdle::run_attempts(on, suite_.scenarios[index].retries, result_for(index), from,
                              options_.infra_retries);
}

void SuiteRunner::log_reset_times(Lane& lane, const Scenario& sc, ScenarioResult& result) {
  Machine* m = lane.reset->machine();
  if (m == nullptr || !result.console_ready) return;
  // Counted from the reset's start; a spare clone's SSH may have been ready before it.
  if (const auto at = m->ssh_ready_at(false); at && result.reset_started)
    result.ssh_ready = std::max(
        *result.console_ready,
        std::chrono::duration_cast<std::chrono::milliseconds>(*at - *result.reset_started));
  lane.log->write("reset for " + sc.name + ": console ready after " +
                  seconds_text(*result.console_ready) + " (" + result.reset_by + ")" +
                  (result.ssh_ready ? ", SSH after " + seconds_text(*result.ssh_ready) : "") +
                  (m->log_dir() != lane.log_dir ? "; its logs: " + m->log_dir().string() : ""));
}

void SuiteRunner::write_scenario_files(Lane& lane, ScenarioResult& result,
                                       const fs::path& marked_dir,
                                       const std::map<std::string, std::uintmax_t>& marks) {
  try {
    fs::create_directories(result.folder);  // attempt() made it, unless the restore failed
    result.attachments.push_back(write_steps_json(result));
    // The scenario ended on a machine whose logs are elsewhere (a new clone): all of them
    // are its own (the last attempt's).
    const Machine* last = lane.reset->machine();
    const fs::path used_dir = last ? last->log_dir() : marked_dir;
    for (auto& slice :
         slice_logs(used_dir, used_dir == marked_dir ? marks : whole_logs(), result.folder))
      result.attachments.push_back(std::move(slice));
  } catch (const std::exception& e) {
    // The scenario is still reported, as an error that says why its files are missing.
    result.status = Verdict::kError;
    result.error_kind = "ReportError";
    result.message = std::string("the scenario's report files could not be written: ") + e.what() +
                     (result.message.empty() ? "" : "; " + result.message);
  }
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

void SuiteRunner::keep_end_state(Lane& lane, std::size_t index) {
  if (!plan_.keeps_end_state(index)) return;  // no planned scenario continues it
  ResetStrategy& reset = *lane.reset;
  const std::string tag = end_state_tag(index);
  try {
    // The same scenario passing again (--repeat) supersedes its own end state, which must go
    // before the tag can be saved anew.
    if (reset.holds(tag)) reset.drop(tag);
  } catch (const std::exception& e) {
    if (Machine* m = reset.machine())
      m->note(std::string("could not delete a superseded end state: ") + e.what());
  }
  try {
    reset.keep(tag);
    plan_.kept(index);
  } catch (const std::exception& e) {
    if (Machine* m = reset.machine())
      m->note(std::string("could not keep the end state for a chained scenario: ") + e.what());
  }
}

void SuiteRunner::release_end_state(Lane& lane, std::size_t index) {
  const std::size_t before = *suite_.scenarios[index].after;
  if (!plan_.release_predecessor(index)) return;
  try {
    lane.reset->drop(end_state_tag(before));
  } catch (const std::exception& e) {
    if (Machine* m = lane.reset->machine())
      m->note(std::string("could not delete an end state: ") + e.what());
  }
}

}  // namespace hurdle
