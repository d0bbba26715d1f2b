// The log files a person reads: stamped entries, guest bytes made safe, secrets masked.
#include "core/log_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <re2/re2.h>

#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(LogFile, StampsEntriesMakesGuestBytesSafeAndMasksSecrets) {
  const fs::path file = fs::temp_directory_path() / "hurdle-log-file-test.log";
  fs::remove(file);
  {
    LogFile log(file, LogFile::Stamp::kElapsed);
    log.add_secret("hunter2");
    log.write("before the clock starts");
    log.count_from(std::chrono::steady_clock::now() - std::chrono::milliseconds(1500));
    log.write("password hunter2 sent; guest says \x1b[2J\xff");
  }
  const std::string text = test::read_file(file);
  EXPECT_THAT(text, HasSubstr("    0.000 before the clock starts\n"));
  EXPECT_THAT(text, HasSubstr(" password ******** sent; guest says ␛[2J�\n"));
  EXPECT_THAT(text, Not(HasSubstr("hunter2")));
  EXPECT_TRUE(RE2::PartialMatch(text, R"(\n    1\.5\d\d password)")) << text;
  fs::remove(file);
}

TEST(LogFile, AppendsSoThatARestartedMachineKeepsItsEarlierLog) {
  const fs::path file = fs::temp_directory_path() / "hurdle-log-file-append.log";
  fs::remove(file);
  LogFile(file, LogFile::Stamp::kLocalTime).write("first");
  LogFile(file, LogFile::Stamp::kLocalTime).write("second\n");
  EXPECT_TRUE(
      RE2::FullMatch(test::read_file(file), R"(\d\d:\d\d:\d\d first\n\d\d:\d\d:\d\d second\n)"))
      << test::read_file(file);
  fs::remove(file);
}

}  // namespace
}  // namespace hurdle
