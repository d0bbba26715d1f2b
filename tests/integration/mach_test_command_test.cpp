// `hurdle mach-test` on Debian's GNU Mach with the project's own test modules (mach-probe named
// test-pass, test-fail, test-hang and test-crash does what its name says, as GNU Mach's harness
// names each test by its module): the four verdicts of the test-module protocol in one run of
// two at once, a panic at once, a failed module's machine kept and started again under gdb,
// and bad input refused before anything boots.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <fstream>

#include "core/exit_status.hpp"
#include "support/hurdle_command.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using test::read_file;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kGuest = fs::path(HURDLE_TEST_GUEST_DIR) / "mach-probe";

// A test's own folder under the build's test-logs/, emptied first, with the probe copied in
// as each named module; the boot media go to its cache.
fs::path folder_with_modules(const std::string& test, const std::vector<std::string>& modules) {
  const fs::path dir = fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / test;
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& m : modules) fs::copy_file(kGuest / "mach-probe", dir / m);
  ::setenv("HURDLE_CACHE_DIR", (dir / "cache").c_str(), 1);
  return dir;
}

std::vector<std::string> mach_test(const fs::path& dir, std::vector<std::string> more) {
  std::vector<std::string> args = {"mach-test",
                                   "--kernel",
                                   (kGuest / "gnumach").string(),
                                   "--accel",
                                   "tcg",
                                   "--report-dir",
                                   (dir / "reports").string(),
                                   "--junit",
                                   (dir / "junit.xml").string()};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

pugi::xml_node testcase(const pugi::xml_document& doc, const std::string& name) {
  return doc.select_node(("//testsuite[@name='mach-test']/testcase[@name='" + name + "']").c_str())
      .node();
}

// The folder of the run, under reports/.
fs::path run_folder(const fs::path& dir) { return fs::directory_iterator(dir / "reports")->path(); }

TEST(MachTest, TheFourVerdictsOfTheProtocolTwoAtOnce) {
  const fs::path dir = folder_with_modules("mach-test-verdicts",
                                           {"test-pass", "test-fail", "test-hang", "test-crash"});
  const auto [status, out] = test::hurdle_command(mach_test(
      dir,
      {"--timeout", "5s", "-j", "2", (dir / "test-pass").string(), (dir / "test-fail").string(),
       (dir / "test-hang").string(), (dir / "test-crash").string()}));
  EXPECT_EQ(status, kExitFailed) << out;

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file((dir / "junit.xml").c_str())) << out;
  EXPECT_EQ(doc.select_nodes("//testcase").size(), 4u);
  EXPECT_FALSE(testcase(doc, "test-pass").child("failure")) << out;
  const auto failure = [&](const char* name) { return testcase(doc, name).child("failure"); };
  // A failure line: its message is the line.
  EXPECT_STREQ(failure("test-fail").attribute("type").value(), "StepFailed");
  EXPECT_THAT(failure("test-fail").attribute("message").value(),
              HasSubstr("gnumach-test-failure: mach-probe was asked to fail"));
  // A module that hangs: the budget, and the console's tail in the message.
  EXPECT_STREQ(failure("test-hang").attribute("type").value(), "TimeoutError");
  EXPECT_THAT(failure("test-hang").attribute("message").value(),
              HasSubstr("no verdict within 5.00 s"));
  EXPECT_THAT(failure("test-hang").attribute("message").value(),
              HasSubstr("mach-probe test: hanging"));
  // The machine ended (a reboot with -no-reboot) with no success line.
  EXPECT_STREQ(failure("test-crash").attribute("type").value(), "KernelCrash");

  // Each case's console from GRUB on, and the profile it booted on, in its folder.
  const fs::path cases = run_folder(dir) / "mach-test";
  for (const char* name : {"test-pass", "test-fail", "test-hang", "test-crash"}) {
    const std::string console = read_file(cases / name / "console.txt");
    EXPECT_THAT(console, HasSubstr("booting-start-of-test")) << name;
    EXPECT_THAT(console, HasSubstr(std::string("start ") + name)) << name;
    EXPECT_TRUE(fs::exists(cases / name / "machine.yaml")) << name;
  }
  EXPECT_THAT(read_file(cases / "test-pass" / "console.txt"),
              HasSubstr("gnumach-test-success-and-reboot"));
  // A gdb command for each failed module, with the kernel's and the module's symbols.
  EXPECT_THAT(out, HasSubstr("add-symbol-file " + (dir / "test-hang").string()));
  EXPECT_THAT(out, Not(HasSubstr("add-symbol-file " + (dir / "test-pass").string())));
  // One medium per module, made in the cache.
  std::size_t media = 0;
  for (const auto& e : fs::directory_iterator(dir / "cache" / "boot-media"))
    media += e.path().extension() == ".iso" ? 1 : 0;
  EXPECT_EQ(media, 4u);
}

TEST(MachTest, APanicOfTheKernelIsTheVerdictAtOnce) {
  const fs::path dir = folder_with_modules("mach-test-panic", {});
  std::ofstream(dir / "not-a-program") << std::string(4096, 'x');
  const auto [status, out] =
      test::hurdle_command(mach_test(dir, {"--timeout", "60s", (dir / "not-a-program").string()}));
  EXPECT_EQ(status, kExitFailed) << out;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file((dir / "junit.xml").c_str()));
  const pugi::xml_node failure = testcase(doc, "not-a-program").child("failure");
  // The panic line is the verdict, not the end of the budget (a TimeoutError).
  EXPECT_STREQ(failure.attribute("type").value(), "KernelPanic");
  EXPECT_THAT(failure.attribute("message").value(),
              HasSubstr("the kernel panicked: panic ../kern/bootstrap.c"));
  EXPECT_THAT(failure.attribute("message").value(),
              HasSubstr("Cannot load user executable module"));
}

TEST(MachTest, AFailedModulesMachineIsKeptAndStartsAgainWithAGdbStub) {
  const fs::path dir = folder_with_modules("mach-test-keep", {"test-hang"});
  const auto [status, out] = test::hurdle_command(
      mach_test(dir, {"--timeout", "3s", "--keep-failed-state", (dir / "test-hang").string()}));
  EXPECT_EQ(status, kExitFailed) << out;
  const fs::path kept = run_folder(dir) / "mach-test" / "test-hang" / "failed-state";
  ASSERT_TRUE(fs::exists(kept / "saved-machine.json")) << out;
  EXPECT_THAT(out, HasSubstr("--from " + kept.string()));

  const auto [started, said] =
      test::hurdle_command({"vm", "start", "mach-test-kept", "--from", kept.string(), "--gdb",
                            "--accel", "tcg", "--log-dir", (dir / "vm-logs").string()});
  EXPECT_EQ(started, 0) << said;
  EXPECT_THAT(said, HasSubstr("gdb:     gdb -ex 'target remote 127.0.0.1:"));
  const auto [quit, quit_said] = test::hurdle_command({"vm", "quit", "mach-test-kept"});
  EXPECT_EQ(quit, 0) << quit_said;
}

TEST(MachTest, BadInputIsRefusedBeforeAnythingBoots) {
  const fs::path dir = folder_with_modules("mach-test-bad", {"test-pass"});
  const auto [no_kernel, said] = test::hurdle_command(
      {"mach-test", "--kernel", (dir / "no-kernel").string(), (dir / "test-pass").string()});
  EXPECT_EQ(no_kernel, kExitBadInput);
  EXPECT_THAT(said, HasSubstr("--kernel: no such file: " + (dir / "no-kernel").string()));
  const auto [no_module, said2] = test::hurdle_command(
      mach_test(dir, {(dir / "test-pass").string(), (dir / "missing").string()}));
  EXPECT_EQ(no_module, kExitBadInput);
  EXPECT_THAT(said2, HasSubstr("no such test module: " + (dir / "missing").string()));
  const auto [bad_pattern, said3] =
      test::hurdle_command(mach_test(dir, {"--success", "(", (dir / "test-pass").string()}));
  EXPECT_EQ(bad_pattern, kExitBadInput);
  EXPECT_THAT(said3, HasSubstr("--success: not a pattern"));
  EXPECT_FALSE(fs::exists(dir / "reports")) << "a run folder for a refused run";
}

}  // namespace
}  // namespace hurdle
