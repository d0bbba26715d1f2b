// The hurdle program's argument parsing and exit statuses, as a person meets them: 0 for
// --version, 2 (bad input) for what is not a command, a missing or unknown option value, a
// file that is not there or not a suite, each with a message naming what was expected and
// never quoting a file that is not hurdle's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/exit_status.hpp"
#include "core/private_folder.hpp"
#include "support/hurdle_command.hpp"

namespace hurdle {
namespace {

using test::hurdle_command;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(CliExitStatus, VersionIsZeroAndNamesTheProgram) {
  const auto [status, out] = hurdle_command({"--version"});
  EXPECT_EQ(status, kExitPassed);
  EXPECT_THAT(out, HasSubstr("hurdle "));
}

TEST(CliExitStatus, WhatIsNoCommandOrNoValidOptionIsBadInput) {
  auto [status, out] = hurdle_command({"frobnicate"});
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_THAT(out, HasSubstr("frobnicate"));
  std::tie(status, out) = hurdle_command({"run"});
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_THAT(out, HasSubstr("expected suite files (or --request FILE)"));
  std::tie(status, out) = hurdle_command({"run", "--reset", "sometimes", "x.yaml"});
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_THAT(out, HasSubstr("--reset: sometimes not in {clone,snapshot,reboot}"));
  std::tie(status, out) = hurdle_command({"run", "-j", "0", "x.yaml"});
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_THAT(out, HasSubstr("--jobs"));
}

TEST(CliExitStatus, AMissingFileIsBadInputNamingIt) {
  PrivateFolder dir("cli-test");
  const auto [status, out] = hurdle_command({"run", (dir / "nope.yaml").string()});
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_THAT(out, HasSubstr((dir / "nope.yaml").string() + ": cannot read the file"));
  EXPECT_FALSE(std::filesystem::exists(dir / "reports"));
}

TEST(CliExitStatus, AFileThatIsNoSuiteIsNamedButNeverQuoted) {
  PrivateFolder dir("cli-test");
  const auto shadow = dir / "shadow";
  std::ofstream(shadow) << "root:$6$salt$passwordhashvalue:19000:0:99999:7:::\n";
  for (const char* command : {"validate", "run"}) {
    const auto [status, out] = hurdle_command({command, shadow.string()});
    EXPECT_EQ(status, kExitBadInput) << command;
    EXPECT_THAT(out, HasSubstr(shadow.string() + ":1:1:")) << command;
    EXPECT_THAT(out, HasSubstr("expected one of: boot, defaults")) << command;
    EXPECT_THAT(out, Not(HasSubstr("passwordhashvalue"))) << command;
  }
}

}  // namespace
}  // namespace hurdle
