#include "run/run_recorder.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/duration_text.hpp"
#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "core/secret_mask.hpp"
#include "core/version.hpp"
#include "core/wall_clock.hpp"
#include "image/image_store.hpp"
#include "report/junit_writer.hpp"
#include "report/summary_writer.hpp"
#include "suite/reset_mode.hpp"

namespace hurdle {

namespace {

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

// hurdle's own properties of a suite, before its facts'.
std::vector<std::pair<std::string, std::string>> own_properties(const Suite& suite) {
  return {{"hurdle.version", kVersion},
          {"suite.file", suite.file.string()},
          {"profile", suite.machine.string()}};
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
  s.properties = own_properties(suite);
  report_.suites.push_back(std::move(s));
  return report_.suites.back();
}

std::vector<std::pair<std::string, std::string>> suite_properties(const SuiteFacts& facts) {
  std::vector<std::pair<std::string, std::string>> p;
  // How the scenarios got their machine, and whether the boot cache spared the boot.
  p.emplace_back("reset", to_string(facts.reset));
  p.emplace_back("reset.reason", facts.reset_reason);
  if (!facts.boot_cache.empty()) p.emplace_back("boot_cache", facts.boot_cache);
  if (!facts.machine) return p;
  const MachineFacts& m = *facts.machine;
  if (!m.qemu_version.empty()) p.emplace_back("qemu.version", m.qemu_version);
  p.emplace_back("accelerator", to_string(m.accelerator.accel));
  p.emplace_back("accelerator.reason", m.accelerator.reason);
  // QEMU's architecture, as expectations' `architecture` matches it: x86_64, i386.
  const std::string qemu = std::filesystem::path(m.profile.qemu).filename().string();
  const std::string system = "qemu-system-";
  p.emplace_back("architecture", qemu.rfind(system, 0) == 0 ? qemu.substr(system.size()) : qemu);
  const auto& prepared = m.profile.prepared_image;
  for (const auto& d : m.profile.disks) {
    const std::string key = "image." + d.node_name;
    p.emplace_back(key, d.file.string());
    if (prepared && d.file == prepared->disk) {
      // A prepared image from the lock: its digests are known, nothing is hashed again.
      p.emplace_back(key + ".lock_entry", prepared->name);
      p.emplace_back(key + ".url", prepared->url);
      p.emplace_back(key + ".artifact", prepared->artifact.str());
      p.emplace_back(key + ".pinned", prepared->pinned ? "true" : "false");
      // Said plainly where a person reads it (the summary): what an unpinned image was held to.
      if (!prepared->pinned) p.emplace_back("image.unpinned", unpinned_notice(*prepared));
      p.emplace_back(key + ".recipe", prepared->recipe.str());
      p.emplace_back(key + ".sha256", prepared->disk_sha256.hex);
      continue;
    }
    const auto digest = facts.image_sha256.find(d.node_name);
    p.emplace_back(key + ".sha256", digest != facts.image_sha256.end()
                                        ? digest->second
                                        : std::string("unavailable: not hashed"));
  }
  return p;
}

void RunRecorder::suite_facts(const Suite& suite, const SuiteFacts& facts) {
  auto properties = own_properties(suite);
  for (auto& p : suite_properties(facts)) properties.push_back(std::move(p));
  {
    std::lock_guard lock(mutex_);
    suite_named(suite).properties = std::move(properties);
  }
  flush();
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

void RunRecorder::scenario_finished(const Suite& from, const Scenario& scenario,
                                    const ScenarioResult& r) {
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
    ReportSuite& suite = suite_named(from);
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

void RunRecorder::replace_report(RunReport report) {
  {
    std::lock_guard lock(mutex_);
    report_ = std::move(report);
  }
  flush();
}

RunReport RunRecorder::report() const {
  std::lock_guard lock(mutex_);
  return report_;
}

int finish_reports(const RunRecorder& recorder, int exit_status,
                   const std::filesystem::path& report_dir, const SecretMask& secrets) {
  if (const auto error = recorder.write_error()) {
    print_error("hurdle: the JUnit report could not be written: " + *error, secrets);
    exit_status = kExitInfrastructure;
  }
  try {
    write_summary_json(recorder.report(), exit_status, report_dir / "summary.json");
  } catch (const std::exception& e) {
    print_error(std::string("hurdle: summary.json could not be written: ") + e.what(), secrets);
    exit_status = kExitInfrastructure;
  }
  return exit_status;
}

}  // namespace hurdle
