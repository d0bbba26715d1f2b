#include "run/run_recorder.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/duration_text.hpp"
#include "core/version.hpp"
#include "core/wall_clock.hpp"
#include "qemu/image_digest.hpp"
#include "report/junit_writer.hpp"
#include "suite/reset_mode.hpp"

namespace hurdle {

namespace {

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

RunRecorder::RunRecorder(std::optional<std::filesystem::path> junit) : junit_(std::move(junit)) {
  report_.hostname = host_name();
}

ReportSuite& RunRecorder::suite_named(const Suite& suite) {
  for (auto& s : report_.suites)
    if (s.name == suite.name) return s;
  ReportSuite s;
  s.name = suite.name;
  s.timestamp = wall_clock_text("%Y-%m-%dT%H:%M:%S");
  s.properties.emplace_back("hurdle.version", kVersion);
  s.properties.emplace_back("suite.file", suite.file.string());
  s.properties.emplace_back("profile", suite.machine.string());
  report_.suites.push_back(std::move(s));
  return report_.suites.back();
}

void RunRecorder::add_machine_properties(ReportSuite& s, SuiteRunner& runner) {
  if (const auto mode = runner.reset_mode(); mode && reset_described_.insert(s.name).second) {
    // How the scenarios got their machine, and whether the boot cache spared the boot.
    s.properties.emplace_back("reset", to_string(*mode));
    s.properties.emplace_back("reset.reason", runner.reset_reason());
    if (!runner.boot_cache_use().empty())
      s.properties.emplace_back("boot_cache", runner.boot_cache_use());
  }
  const std::optional<MachineFacts> facts = runner.machine_facts();
  if (!facts || !machine_described_.insert(s.name).second) return;
  if (!facts->qemu_version.empty()) s.properties.emplace_back("qemu.version", facts->qemu_version);
  s.properties.emplace_back("accelerator", to_string(facts->accelerator.accel));
  s.properties.emplace_back("accelerator.reason", facts->accelerator.reason);
  const auto& prepared = facts->profile.prepared_image;
  for (const auto& d : facts->profile.disks) {
    s.properties.emplace_back("image." + d.node_name, d.file.string());
    if (prepared && d.file == prepared->disk) {
      // A prepared image from the lock: its digests are known, nothing is hashed again.
      const std::string key = "image." + d.node_name;
      s.properties.emplace_back(key + ".lock_entry", prepared->name);
      s.properties.emplace_back(key + ".url", prepared->url);
      s.properties.emplace_back(key + ".artifact", prepared->artifact.str());
      s.properties.emplace_back(key + ".pinned", prepared->pinned ? "true" : "false");
      s.properties.emplace_back(key + ".recipe", prepared->recipe.str());
      s.properties.emplace_back(key + ".sha256", prepared->disk_sha256.hex);
      continue;
    }
    try {
      s.properties.emplace_back("image." + d.node_name + ".sha256",
                                image_sha256(d.file, facts->cache_dir));
    } catch (const Error& e) {
      s.properties.emplace_back("image." + d.node_name + ".sha256",
                                std::string("unavailable: ") + e.what());
    }
  }
}

void RunRecorder::plan(const Suite& suite, const Scenario& scenario) {
  ReportCase c;
  c.name = scenario.name;
  c.status = Verdict::kError;
  c.type = "NotRun";
  c.file = scenario.where.file;
  c.line = scenario.where.line;
  c.attempts = 0;
  c.message =
      "not run: the run ended before this scenario (hurdle was killed, or its CI job ran out "
      "of time)";
  std::lock_guard lock(mutex_);
  suite_named(suite).cases.push_back(std::move(c));
  planned_.emplace(suite.name, scenario.name);
}

void RunRecorder::record(SuiteRunner& runner, const Scenario& scenario, const ScenarioResult& r) {
  ReportCase c;
  c.name = scenario.name;
  c.status = r.status;
  c.seconds = std::chrono::duration<double>(r.elapsed).count();
  c.file = r.where.file;
  c.line = r.where.line;
  c.message = r.message;
  c.type = r.error_kind;
  c.attempts = r.attempts;
  for (const auto& note : r.notes) c.step_log += "note: " + note + "\n";
  for (const auto& s : r.steps) {
    c.step_log += std::string(s.passed ? "[ok]     " : "[FAILED] ") + seconds_text(s.elapsed) +
                  "  " + s.where.str() + "  " + s.step + "\n";
    if (!s.passed) c.step_log += "         " + s.message + "\n";
  }
  c.attachments = r.attachments;
  for (const auto& t : r.imported) {
    ReportCase i;
    i.name = t.name;
    i.status = t.status;
    i.seconds = t.seconds;
    i.message = t.message;
    i.type = "ImportedTest";
    i.details = t.source + (t.message.empty() ? "" : ": " + t.message) + "\n" + t.output;
    if (!failed(i.status)) i.step_log = t.output;  // a failure's output is in its details
    i.file = c.file;  // the scenario's file; the result's own place is in `details`
    c.imported.push_back(std::move(i));
  }
  {
    std::lock_guard lock(mutex_);
    ReportSuite& suite = suite_named(runner.suite());
    try {
      add_machine_properties(suite, runner);
    } catch (const std::exception& e) {
      // The machine's properties could not be read: the case is reported all the same.
      c.details =
          std::string("(the suite's properties could not be read: ") + e.what() + ")\n" + c.details;
    }
    suite.boot_seconds += std::chrono::duration<double>(r.boot).count();
    // The result takes its plan's place (the first run of a repeated scenario), so the report
    // keeps the run's order.
    const auto plan = planned_.find({suite.name, scenario.name});
    auto at = suite.cases.end();
    if (plan != planned_.end()) {
      planned_.erase(plan);
      at = std::find_if(suite.cases.begin(), suite.cases.end(), [&](const ReportCase& p) {
        return p.name == scenario.name && p.type == "NotRun";
      });
    }
    if (at != suite.cases.end())
      *at = std::move(c);
    else
      suite.cases.push_back(std::move(c));
  }
  flush();
}

void RunRecorder::flush() {
  if (!junit_) return;
  std::lock_guard lock(mutex_);
  try {
    write_junit(report_, *junit_);
    write_error_.reset();
  } catch (const std::exception& e) {
    write_error_ = e.what();
  }
}

std::optional<std::string> RunRecorder::write_error() const {
  std::lock_guard lock(mutex_);
  return write_error_;
}

RunReport RunRecorder::report() const {
  std::lock_guard lock(mutex_);
  return report_;
}

}  // namespace hurdle
