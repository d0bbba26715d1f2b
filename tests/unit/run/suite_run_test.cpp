// The run policy's checks before anything starts: a RunRequest from any front end (the CLI
// checks its own options, the MCP server and other callers build requests themselves) with an
// unknown reset mode is bad input that says so, not a silent reboot.
#include "run/suite_run.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>

#include "core/private_folder.hpp"
#include "suite/reset_mode.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;

TEST(SuiteRun, AnUnknownResetModeIsBadInputNamingIt) {
  PrivateFolder dir("suite-run");
  // A machine with no files to check, so that only the reset mode can be wrong.
  std::ofstream(dir / "d.img") << std::string(512, '\0');
  std::ofstream(dir / "bare.yaml") << "name: bare\nmachine: pc\nmemory: 64M\ndisks:\n"
                                      "  - { name: d, file: d.img, format: raw, interface: ide, "
                                      "mode: read-only }\n";
  std::ofstream(dir / "suite.yaml") << "machine: " << (dir / "bare.yaml").string()
                                    << "\nscenarios:\n  - name: a\n    steps:\n"
                                       "      - qmp: { command: query-status }\n";
  RunRequest request;
  request.files = {(dir / "suite.yaml").string()};
  request.report_dir = (dir / "reports").string();
  request.reset = "sometimes";
  ::testing::internal::CaptureStderr();
  const int status = run_suites(request);
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_THAT(
      said, ::testing::HasSubstr("--reset: expected clone, snapshot or reboot, found 'sometimes'"));
  EXPECT_FALSE(fs::exists(dir / "reports"));  // nothing started
}

// A request from another program (JSON, MCP) is not checked by the command line: numbers out
// of bounds are bad input naming the field, before anything is loaded or made.
TEST(SuiteRun, NumbersOutOfBoundsAreBadInputNamingTheField) {
  PrivateFolder dir("suite-run");
  for (const auto& [change, said] :
       std::vector<std::pair<std::function<void(RunRequest&)>, std::string>>{
           {[](RunRequest& r) { r.repeat = 0; }, "repeat: expected 1 to 100000 rounds, found 0"},
           {[](RunRequest& r) { r.jobs = -3; }, "jobs: expected 1 to 64 scenarios at once"},
           {[](RunRequest& r) { r.timeout_scale = 0; }, "timeout_scale: expected more than 0"},
           {[](RunRequest& r) { r.timeout_scale = std::nan(""); }, "timeout_scale"}}) {
    RunRequest request;
    request.files = {(dir / "none.yaml").string()};  // never read: the numbers come first
    request.report_dir = (dir / "reports").string();
    change(request);
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(run_suites(request), kExitBadInput);
    EXPECT_THAT(::testing::internal::GetCapturedStderr(), ::testing::HasSubstr(said));
    EXPECT_FALSE(fs::exists(dir / "reports"));
  }
}

TEST(SuiteRun, ResetModesAreNamedAsSuitesWriteThem) {
  EXPECT_EQ(reset_mode_named("clone"), Suite::Reset::kClone);
  EXPECT_EQ(reset_mode_named("snapshot"), Suite::Reset::kSnapshot);
  EXPECT_EQ(reset_mode_named("reboot"), Suite::Reset::kReboot);
  EXPECT_EQ(reset_mode_named("Reboot"), std::nullopt);
  // One table: every name offered is read back as the mode it names.
  for (const auto& name : reset_mode_names())
    EXPECT_STREQ(to_string(*reset_mode_named(name)), name.c_str());
  EXPECT_EQ(reset_mode_names().size(), 3u);
  EXPECT_EQ(reset_mode_choices(), "clone, snapshot or reboot");
}

}  // namespace
}  // namespace hurdle
