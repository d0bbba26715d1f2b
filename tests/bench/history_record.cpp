// tests/bench/history_record: what the results history costs a run. A run that imported
// N tests (a glibc `make check` has about 6,000, gcc's far more), recorded into a history that
// already holds R - 1 such runs, then judged against them (every test's verdict, the failing
// streaks, the gone tests), and the digest and the flaky list of the whole history; against the
// baseline of what every run does anyway with the same report: write its JUnit file and
// summary.json. About 1% of the tests fail in each run, 0.5% flip at random, and one test in
// a hundred is renamed now and then, so that every verdict is computed. Prints the database's
// size at the end.
//
// With --real-run, the baseline is the run itself as well: a suite on the linux-mini test guest
// (TCG) whose scenario writes a glibc-shaped tests.sum of N results in the guest and imports
// it, run by `run_suites` once without a history and once with --history into a history that
// holds R - 1 runs of the same tests: what --history adds to the run's own time.
//
// Usage: history_record [--tests 10000] [--runs 365] [--real-run]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include "bench_support.hpp"
#include "core/private_folder.hpp"
#include "history/history_database.hpp"
#include "history/history_digest.hpp"
#include "history/report_history.hpp"
#include "history/run_verdicts.hpp"
#include "report/junit_writer.hpp"
#include "report/summary_writer.hpp"
#include "run/suite_run.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using hurdle::bench::ms_since;

hurdle::RunReport run_of(int tests, int run, std::mt19937& random) {
  hurdle::RunReport report;
  report.hostname = "bench";
  hurdle::ReportSuite suite;
  suite.name = "glibc";
  suite.timestamp = "2026-12-07T02:17:00";
  suite.properties = {{"hurdle.version", "bench"}, {"profile", "hurd-amd64"}};
  hurdle::ReportCase check;
  check.name = "check";
  check.status = hurdle::Verdict::kFailed;
  check.type = "StepFailed";
  check.message = "results.import: some tests did not pass";
  std::uniform_int_distribution<int> percent(0, 999);
  for (int t = 0; t < tests; ++t) {
    hurdle::ReportCase c;
    // One test in a hundred is renamed every 30 runs: new and gone tests.
    c.name = "subdir" + std::to_string(t % 97) + "/tst-" + std::to_string(t) +
             (t % 100 == 7 ? "-v" + std::to_string(run / 30) : "");
    c.seconds = 0.01 * (t % 50);
    const bool always_fails = t % 100 == 3;
    const bool flips = t % 200 == 11 && percent(random) < 500;
    c.status = always_fails || flips ? hurdle::Verdict::kFailed : hurdle::Verdict::kPassed;
    if (hurdle::failed(c.status)) c.message = "exit status 1 after " + std::to_string(t) + " ms";
    check.imported.push_back(std::move(c));
  }
  suite.cases.push_back(std::move(check));
  report.suites.push_back(std::move(suite));
  return report;
}

// The real run of bench-suite.yaml in `dir`, with a history when `history` is not empty: its
// wall time in ms (its exit status in `status`).
double real_run(const fs::path& dir, const std::string& name, const std::string& history,
                int& status) {
  hurdle::RunRequest r;
  r.files = {(dir / "bench-suite.yaml").string()};
  r.report_dir = (dir / "reports").string();
  r.run_name = name;
  r.accel = "tcg";
  r.history = history;
  const auto t0 = Clock::now();
  status = hurdle::run_suites(r);
  return ms_since(t0);
}

void write_real_suite(const fs::path& dir, int tests) {
  std::ofstream(dir / "bench-suite.yaml")
      << "suite: bench\nmachine: " << HURDLE_BENCH_SOURCE_DIR
      << "/fixtures/machines/linux-mini.yaml\nscenarios:\n  - name: check\n    steps:\n"
      << "      - ssh.succeed: { command: 'i=0; while [ $i -lt " << tests
      << " ]; do echo \"PASS: subdir$((i % 97))/tst-$i\"; i=$((i+1)); done > /root/tests.sum',"
      << " timeout: 10m }\n"
      << "      - results.import: { format: glibc, remote: /root/tests.sum }\n";
}

// The history of the real run's tests: `runs` runs of them, all passed.
void fill_real_history(const fs::path& file, int tests, int runs) {
  hurdle::RunReport report;
  hurdle::ReportSuite suite;
  suite.name = "bench";
  hurdle::ReportCase check;
  check.name = "check";
  for (int t = 0; t < tests; ++t) {
    hurdle::ReportCase c;
    c.name = "subdir" + std::to_string(t % 97) + "/tst-" + std::to_string(t);
    check.imported.push_back(std::move(c));
  }
  suite.cases.push_back(std::move(check));
  report.suites.push_back(std::move(suite));
  for (int run = 0; run < runs; ++run) {
    hurdle::HistoryDatabase history(file, hurdle::HistoryDatabase::Mode::kWrite);
    (void)history.record(hurdle::recorded_run_of(report, {}));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int tests = 10000;
  int runs = 365;
  bool real = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--real-run") real = true;
    if (i + 1 >= argc) continue;
    if (a == "--tests") tests = std::atoi(argv[i + 1]);
    if (a == "--runs") runs = std::atoi(argv[i + 1]);
  }
  if (tests < 1 || runs < 2) {
    std::cerr << "usage: history_record [--tests N >= 1] [--runs R >= 2]\n";
    return 2;
  }
  hurdle::PrivateFolder dir("bench-history");
  const fs::path file = dir / "history.sqlite";
  std::mt19937 random(20261207);

  // The history before this run: R - 1 runs, recorded as they come.
  const auto fill = Clock::now();
  for (int run = 1; run < runs; ++run) {
    hurdle::HistoryDatabase history(file, hurdle::HistoryDatabase::Mode::kWrite);
    hurdle::RunFacts facts;
    facts.verdict = "failed";
    facts.commit = "commit" + std::to_string(run);
    (void)history.record(hurdle::recorded_run_of(run_of(tests, run, random), facts));
  }
  const double fill_ms = ms_since(fill);

  hurdle::RunReport report = run_of(tests, runs, random);
  // The baseline: the run's own report files.
  const auto b0 = Clock::now();
  hurdle::write_junit(report, dir / "junit.xml");
  hurdle::write_summary_json(report, 1, dir / "summary.json");
  const double baseline_ms = ms_since(b0);

  hurdle::HistoryDatabase history(file, hurdle::HistoryDatabase::Mode::kWrite);
  const auto r0 = Clock::now();
  hurdle::RunFacts facts;
  facts.verdict = "failed";
  const std::int64_t id = history.record(hurdle::recorded_run_of(report, facts));
  const double record_ms = ms_since(r0);
  const auto j0 = Clock::now();
  const hurdle::RunVerdicts verdicts = hurdle::judge_run(history, id, hurdle::FlakyRule{});
  hurdle::annotate_report(report, verdicts);
  const double judge_ms = ms_since(j0);
  const auto d0 = Clock::now();
  const std::string digest =
      hurdle::history_digest(history, std::to_string(id - 1), hurdle::FlakyRule{});
  const double digest_ms = ms_since(d0);
  const auto f0 = Clock::now();
  const std::string flaky = hurdle::flaky_text(history, hurdle::FlakyRule{});
  const double flaky_ms = ms_since(f0);

  std::size_t count[9] = {};
  for (const auto& t : verdicts.tests) ++count[static_cast<int>(t.verdict.verdict)];
  const double size_mib = static_cast<double>(fs::file_size(file)) / (1024.0 * 1024.0);
  std::printf(
      "history of %d runs of %d tests (+1 scenario): %.1f MiB, filled in %.1f s "
      "(%.0f ms a run)\n",
      runs, tests, size_mib, fill_ms / 1000.0, fill_ms / (runs - 1));
  std::printf(
      "verdicts of the last run: %zu passing, %zu new failure, %zu still failing, "
      "%zu flaky, %zu fixed, %zu new test, %zu gone\n",
      count[0], count[1], count[2], count[3], count[4], count[5], verdicts.gone.size());
  std::printf("\n%-52s %10s %10s\n", "step", "ms", "x baseline");
  const auto row = [&](const char* what, double ms) {
    std::printf("%-52s %10.1f %10.2f\n", what, ms, ms / baseline_ms);
  };
  row("baseline: the run's JUnit + summary.json", baseline_ms);
  row("record the run", record_ms);
  row("judge every test against the history", judge_ms);
  row("record + judge (what --history adds to a run)", record_ms + judge_ms);
  row("hurdle history digest --since the run before", digest_ms);
  row("hurdle history flaky (every test's window)", flaky_ms);
  std::printf("\nrecord + judge: %.2f s for %d tests over %d runs\n",
              (record_ms + judge_ms) / 1000.0, tests, runs);
  if (digest.empty() || flaky.empty()) return 1;
  if (!real) return 0;

  // Against the run itself: the same N tests imported from the guest.
  write_real_suite(dir.path(), tests);
  const fs::path real_history = dir / "real-history.sqlite";
  fill_real_history(real_history, tests, runs - 1);
  int plain_status = 0, history_status = 0;
  const double plain_ms = real_run(dir.path(), "plain", "", plain_status);
  const double with_ms =
      real_run(dir.path(), "with-history", real_history.string(), history_status);
  std::printf("\n%-52s %10s %10s\n", "the run itself (linux-mini, TCG)", "ms", "x baseline");
  std::printf("%-52s %10.1f %10.2f\n", "baseline: hurdle run, no history", plain_ms, 1.0);
  std::printf("%-52s %10.1f %10.2f\n", "hurdle run --history (R - 1 runs in it)", with_ms,
              with_ms / plain_ms);
  std::printf("--history adds %.1f%% to a run of %d imported tests (exit %d and %d)\n",
              100.0 * (with_ms - plain_ms) / plain_ms, tests, plain_status, history_status);
  return plain_status == 0 && history_status == 0 ? 0 : 1;
}
