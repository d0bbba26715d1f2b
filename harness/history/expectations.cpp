#include "history/expectations.hpp"

#include <fnmatch.h>

#include <set>

#include "config/yaml_reader.hpp"
#include "history/history_database.hpp"

namespace hurdle {

namespace fs = std::filesystem;

const char* to_string(Expectation::Kind kind) {
  switch (kind) {
    case Expectation::Kind::kFails:
      return "fails";
    case Expectation::Kind::kFlaky:
      return "flaky";
    case Expectation::Kind::kSkip:
      return "skip";
  }
  return "?";
}

std::string Expectation::where_text() const {
  return where.file.string() + ":" + std::to_string(where.line);
}

bool glob_matches(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

namespace {

std::string glob_at(const YAML::Node& node, const fs::path& file, const std::string& what) {
  const std::string text = as_string(node, file);
  if (text.empty()) fail_at(node, file, "expected a glob for " + what + ", found nothing");
  if (text.size() > 1024) fail_at(node, file, "expected a glob of at most 1024 characters");
  return text;
}

Expectation expectation_at(const YAML::Node& node, const fs::path& file) {
  if (!node.IsMap())
    fail_at(node, file,
            "expected an expectation: {test: GLOB, kind: fails|flaky|skip, bug, reason}");
  MappingReader m(node, file, "an expectation");
  Expectation e;
  e.where = location_of(node, file);
  e.test = glob_at(m.require("test"), file, "test (SUITE.NAME)");
  const YAML::Node kind = m.require("kind");
  const std::string k = as_string(kind, file);
  if (k == "fails")
    e.kind = Expectation::Kind::kFails;
  else if (k == "flaky")
    e.kind = Expectation::Kind::kFlaky;
  else if (k == "skip")
    e.kind = Expectation::Kind::kSkip;
  else
    fail_at(kind, file, "expected the kind fails, flaky or skip, found '" + k + "'");
  e.bug = m.string("bug");
  e.reason = m.string("reason");
  if (e.bug.empty() && e.reason.empty())
    fail_at(node, file, "expected a bug or a reason: a known failure says why it is known");
  if (m.has("on")) {
    const YAML::Node on = m.get("on");
    if (!on.IsMap()) fail_at(on, file, "expected where it applies: {machine, image, architecture}");
    MappingReader where(on, file, "where an expectation applies");
    if (where.has("machine")) e.machine = glob_at(where.get("machine"), file, "machine");
    if (where.has("image")) e.image = glob_at(where.get("image"), file, "image");
    if (where.has("architecture"))
      e.architecture = glob_at(where.get("architecture"), file, "architecture");
    where.finish();
  }
  m.finish();
  return e;
}

bool applies(const Expectation& e, const TestPlace& place) {
  if (!e.machine.empty() && !glob_matches(e.machine, place.machine)) return false;
  if (!e.architecture.empty() && !glob_matches(e.architecture, place.architecture)) return false;
  if (e.image.empty()) return true;
  for (const auto& image : place.images)
    if (glob_matches(e.image, image)) return true;
  return false;
}

// The case as the expectation leaves it; whether it matched.
void apply_one(ReportCase& c, const Expectation& e, bool strict, ExpectationFindings& findings,
               const std::string& id) {
  CaseExpectation x;
  x.kind = to_string(e.kind);
  x.bug = e.bug;
  x.reason = e.reason;
  x.where = e.where_text();
  const std::string because = e.because();
  const bool bad = failed(c.status);
  switch (e.kind) {
    case Expectation::Kind::kSkip:
      x.outcome = "skipped";
      if (c.status != Verdict::kSkipped) {
        x.status_before = to_string(c.status);
        c.status = Verdict::kSkipped;
        c.message = "skipped by " + x.where + because;
      }
      break;
    case Expectation::Kind::kFails:
    case Expectation::Kind::kFlaky:
      if (bad) {
        x.outcome = e.kind == Expectation::Kind::kFails ? "known failure" : "known flaky";
        ++findings.known;
        if (!strict) {
          x.status_before = to_string(c.status);
          c.message = x.outcome + because + " [" + x.where + "]: " + c.message;
          c.status = Verdict::kSkipped;
        }
      } else if (c.status == Verdict::kSkipped) {
        return;  // nothing to say
      } else if (e.kind == Expectation::Kind::kFails) {
        x.outcome = "XPASS";
        findings.xpass.push_back(id);
        if (strict) {
          x.status_before = to_string(c.status);
          c.status = Verdict::kFailed;
          c.type = "UnexpectedPass";
          c.message = "expected to fail" + because + " [" + x.where +
                      "], but passed: remove the expectation";
        }
      } else {
        x.outcome = "known flaky";
      }
      break;
  }
  c.expectation = std::move(x);
}

}  // namespace

Expectations load_expectations(const fs::path& file) {
  Expectations ex;
  ex.file = file;
  const YAML::Node root = load_yaml_file(file);
  if (!root.IsMap())
    fail_at(root, file, "expected a mapping with `expectations:`, a list of known failures");
  MappingReader m(root, file, "an expectations file");
  if (m.has("stale_after")) {
    const YAML::Node n = m.get("stale_after");
    const auto runs = as_integer(n, file);
    if (runs < 1 || runs > 1000) fail_at(n, file, "expected 1 to 1000 runs");
    ex.stale_after = static_cast<int>(runs);
  }
  const YAML::Node list = m.require("expectations");
  if (!list.IsSequence()) fail_at(list, file, "expected a list of expectations");
  if (list.size() > 100000) fail_at(list, file, "expected at most 100000 expectations");
  for (const auto& node : list) ex.entries.push_back(expectation_at(node, file));
  m.finish();
  return ex;
}

TestPlace place_of(const ReportSuite& suite) {
  TestPlace place;
  for (const auto& [key, value] : suite.properties) {
    if (key == "profile") place.machine = fs::path(value).stem().string();
    if (key == "architecture") place.architecture = value;
    if (key.rfind("image.", 0) == 0 && key.size() > 11 &&
        key.compare(key.size() - 11, 11, ".lock_entry") == 0)
      place.images.push_back(value);
  }
  for (auto& digest : image_digests(suite)) place.images.push_back(std::move(digest));
  return place;
}

const Expectation* expectation_for(const Expectations& expectations, const std::string& id,
                                   const TestPlace& place) {
  for (const auto& e : expectations.entries)
    if (glob_matches(e.test, id) && applies(e, place)) return &e;
  return nullptr;
}

ExpectationFindings apply_expectations(RunReport& report, const Expectations& expectations,
                                       bool strict, HistoryDatabase* history,
                                       std::int64_t this_run) {
  ExpectationFindings findings;
  std::set<const Expectation*> matched;
  for (auto& suite : report.suites) {
    const TestPlace place = place_of(suite);
    for (auto& c : suite.cases) {
      const std::string id = suite.name + "." + c.name;
      const bool scenario_failed = failed(c.status);
      if (const Expectation* e = expectation_for(expectations, id, place)) {
        matched.insert(e);
        apply_one(c, *e, strict, findings, id);
      }
      bool imported_failing = false;
      bool imported_known = false;
      for (auto& i : c.imported) {
        const std::string test = id + "." + i.name;
        if (const Expectation* e = expectation_for(expectations, test, place)) {
          matched.insert(e);
          imported_known = imported_known || failed(i.status);
          apply_one(i, *e, strict, findings, test);
        }
        imported_failing = imported_failing || failed(i.status);
      }
      // A scenario that failed only because its imported tests did (results.import's verdict)
      // passes once every one of them is a known failure.
      if (scenario_failed && failed(c.status) && !c.expectation && imported_known &&
          !imported_failing && c.type == "StepFailed" &&
          c.message.find("did not pass") != std::string::npos) {
        CaseExpectation x;
        x.kind = "fails";
        x.outcome = "known failures of its imported tests";
        x.where = expectations.file.string();
        x.status_before = to_string(c.status);
        c.status = Verdict::kPassed;
        c.message = x.outcome + ": " + c.message;
        c.expectation = std::move(x);
      }
    }
  }
  // Stale: matched nothing here, nor in the history's last stale_after - 1 runs before this.
  if (history != nullptr && !report.suites.empty()) {
    std::vector<const Expectation*> candidates;
    for (const auto& e : expectations.entries)
      if (matched.count(&e) == 0) candidates.push_back(&e);
    int looked = 1;
    std::optional<RunRow> run = history->run_before(this_run);
    for (; run && looked < expectations.stale_after && !candidates.empty(); ++looked) {
      std::vector<const Expectation*> still;
      const auto results = history->results_of(run->id);
      for (const Expectation* e : candidates) {
        bool hit = false;
        for (const auto& [test, entry] : results)
          if (glob_matches(e->test, test.id_text())) {
            hit = true;
            break;
          }
        if (!hit) still.push_back(e);
      }
      candidates = std::move(still);
      run = history->run_before(run->id);
    }
    if (looked >= expectations.stale_after) {
      findings.stale = candidates;
      for (const Expectation* e : candidates)
        report.suites.front().properties.emplace_back(
            "expectations.stale", e->where_text() + ": " + e->test + " (matched no test in " +
                                      std::to_string(expectations.stale_after) + " runs)");
    }
  }
  return findings;
}

}  // namespace hurdle
