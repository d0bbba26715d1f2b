// `hurdle exec` as a workflow step runs it, on the Linux test guest: the command's own exit
// status, its output live on stdout and stderr (people's lines on stderr only), the folder
// synced in and only the named paths copied back, --prepare kept in the boot cache, --env
// forwarded exactly and masked everywhere, and the generated suite valid for `hurdle run`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <re2/re2.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/boost_process.hpp"
#include "core/digest.hpp"
#include "core/run_program.hpp"
#include "support/boot_cache_cleanup.hpp"
#include "support/hurdle_command.hpp"
#include "support/paths.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

struct Line {
  Clock::time_point at;
  std::string text;
};

struct Exec {
  int status = -1;
  std::string out;
  std::string err;
  std::vector<Line> out_lines;  // stdout's lines, each with when it arrived
  Clock::time_point ended;
};

// A test's own folder: its work tree, reports and boot cache (made empty).
struct ExecFolder {
  fs::path root;
  explicit ExecFolder(const std::string& name)
      : root(fs::path(HURDLE_TEST_GUEST_DIR).parent_path() / "test-logs" / ("exec-" + name)) {
    fs::remove_all(root);
    fs::create_directories(root / "work");
  }
  ~ExecFolder() { hurdle::test::forget_boot_cache(cache()); }
  ExecFolder(const ExecFolder&) = delete;
  ExecFolder& operator=(const ExecFolder&) = delete;
  [[nodiscard]] fs::path work() const { return root / "work"; }
  [[nodiscard]] fs::path reports() const { return root / "reports"; }
  [[nodiscard]] fs::path cache() const { return root / "cache"; }
};

// `hurdle ARGV...` in `folder`'s work tree, stdout and stderr kept apart and read as they come.
Exec run_hurdle(const ExecFolder& folder, const std::vector<std::string>& argv,
                bool in_github_job = false) {
  namespace bp = boost::process::v2;
  // As on a laptop, unless the test is a GitHub job's (when these tests run in one too).
  if (in_github_job)
    ::setenv("GITHUB_ACTIONS", "true", 1);
  else
    ::unsetenv("GITHUB_ACTIONS");
  ::setenv("HURDLE_PROFILE_PATH", (hurdle::test::source_dir() / "fixtures/machines").c_str(), 1);
  ::setenv("HURDLE_CACHE_DIR", folder.cache().c_str(), 1);
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2");
  boost::asio::io_context ctx;
  bp::process p(ctx, hurdle::test::hurdle_program().string(), argv,
                bp::process_stdio{nullptr, out_pipe[1], err_pipe[1]},
                bp::process_start_dir{folder.work().string()});
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  Exec e;
  std::string partial;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open = 2;
  char buf[4096];
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
        continue;
      }
      if (i == 1) {
        e.err.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      e.out.append(buf, static_cast<std::size_t>(n));
      partial.append(buf, static_cast<std::size_t>(n));
      for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n')) {
        e.out_lines.push_back({Clock::now(), partial.substr(0, nl)});
        partial.erase(0, nl + 1);
      }
    }
  }
  e.status = p.wait();
  e.ended = Clock::now();
  return e;
}

// `hurdle exec --machine linux-mini ARGS...` (see run_hurdle).
Exec hurdle_exec(const ExecFolder& folder, const std::vector<std::string>& args,
                 bool in_github_job = false) {
  std::vector<std::string> argv = {"exec",
                                   "--machine",
                                   "linux-mini",
                                   "--accel",
                                   "tcg",
                                   "--report-dir",
                                   folder.reports().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_hurdle(folder, argv, in_github_job);
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file under `dir` whose bytes contain `needle`.
std::vector<fs::path> files_containing(const fs::path& dir, const std::string& needle) {
  std::vector<fs::path> found;
  if (!fs::exists(dir)) return found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && read_text(e.path()).find(needle) != std::string::npos)
      found.push_back(e.path());
  return found;
}

std::string describe(const Exec& e) { return "stdout:\n" + e.out + "\nstderr:\n" + e.err; }

TEST(HurdleExec, ExitsWithTheCommandsOwnStatus) {
  const ExecFolder folder("status");
  const Exec ok = hurdle_exec(folder, {"--", "true"});
  EXPECT_EQ(ok.status, 0) << describe(ok);
  EXPECT_THAT(ok.err, HasSubstr("PASS   exec.command"));
  const Exec seven = hurdle_exec(folder, {"--", "sh", "-c", "exit 7"});
  EXPECT_EQ(seven.status, 7) << describe(seven);
  EXPECT_THAT(seven.err, HasSubstr("FAIL   exec.command"));
  const Exec killed = hurdle_exec(folder, {"--", "sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(killed.status, 128 + 15) << describe(killed);
  // hurdle's own failures: 125, not a status a command could have given.
  const Exec no_profile = hurdle_exec(folder, {"--machine", "no-such-machine", "--", "true"});
  EXPECT_EQ(no_profile.status, 125) << describe(no_profile);
  EXPECT_THAT(no_profile.err, HasSubstr("no machine profile named 'no-such-machine'"));
  const Exec no_command = hurdle_exec(folder, {"--copy-back", "../x", "--", "true"});
  EXPECT_EQ(no_command.status, 125) << describe(no_command);
  EXPECT_THAT(no_command.err, HasSubstr("--copy-back: expected a path inside the synced folder"));
}

TEST(HurdleExec, OutputIsLiveLineByLineOnStdoutAndStderr) {
  const ExecFolder folder("live");
  const Exec e = hurdle_exec(
      folder, {"--", "sh", "-c", "echo first; echo to-stderr >&2; sleep 4; printf 'no newline'"});
  ASSERT_EQ(e.status, 0) << describe(e);
  EXPECT_EQ(e.out, "first\nno newline\n");  // the guest's lines alone; the last one ended
  EXPECT_THAT(e.err, HasSubstr("to-stderr\n"));
  EXPECT_THAT(e.err, HasSubstr("PASS   exec.command"));
  ASSERT_EQ(e.out_lines.size(), 2u);
  // The line before the sleep came while the command was still running.
  EXPECT_GE(e.out_lines[1].at - e.out_lines[0].at, std::chrono::seconds(3))
      << "the first line arrived with the last: the output was not live";
}

TEST(HurdleExec, SyncsTheFolderInAndCopiesBackOnlyTheNamedPaths) {
  const ExecFolder folder("sync");
  const fs::path w = folder.work();
  fs::create_directories(w / "src dir");
  std::ofstream(w / "src dir" / "a file.txt") << "from the host\n";
  fs::create_symlink("a file.txt", w / "src dir" / "link");
  fs::create_directories(w / ".git");
  std::ofstream(w / ".git" / "HEAD") << "ref: refs/heads/main\n";
  const std::string script =
      "test \"$(pwd)\" = '" + w.string() +
      "' && test -L 'src dir/link' && "
      "test \"$(cat 'src dir/link')\" = 'from the host' && test ! -e .git && "
      "echo changed > 'src dir/a file.txt' && echo stays > not-back.txt && "
      "mkdir -p 'out dir/sub' && echo result > 'out dir/sub/r.txt' && "
      "ln -s sub/r.txt 'out dir/r-link' && "
      "printf 'TAP version 13\\n1..2\\nok 1 - adds\\nnot ok 2 - divides\\n' > results.tap && "
      "echo synced; exit 1";
  const Exec e = hurdle_exec(
      folder, {"--copy-back", "out dir", "--results", "tap:results.tap", "--", "sh", "-c", script});
  EXPECT_EQ(e.status, 1) << describe(e);  // the command's status, copy-back done all the same
  EXPECT_THAT(e.out, HasSubstr("synced")) << describe(e);
  EXPECT_EQ(read_text(w / "out dir" / "sub" / "r.txt"), "result\n");
  EXPECT_TRUE(fs::is_symlink(w / "out dir" / "r-link"));
  EXPECT_FALSE(fs::exists(w / "not-back.txt"));
  EXPECT_FALSE(fs::exists(w / "results.tap"));
  EXPECT_EQ(read_text(w / "src dir" / "a file.txt"), "from the host\n");
  // The imported tests are JUnit cases of their own.
  std::vector<fs::path> junit;
  for (const auto& f : fs::recursive_directory_iterator(folder.reports()))
    if (f.path().filename() == "junit.xml") junit.push_back(f.path());
  ASSERT_EQ(junit.size(), 1u);
  const std::string xml = read_text(junit[0]);
  EXPECT_THAT(xml, HasSubstr("adds"));
  EXPECT_THAT(xml, HasSubstr("divides"));
}

// The guest decides what comes back, links included: a link it made must not carry a later
// copy-back path out of the work tree on the host.
TEST(HurdleExec, ACopyBackPathThroughALinkFromTheGuestIsRefused) {
  const ExecFolder folder("link-out");
  const fs::path outside = folder.root / "outside";
  fs::create_directories(outside);
  std::ofstream(outside / "victim") << "keep\n";
  // In the guest, the same path holds a file the guest wrote; `out/sub` links to it.
  const std::string script = "mkdir -p '" + outside.string() + "' out && echo gone > '" +
                             outside.string() + "/victim' && ln -s '" + outside.string() +
                             "' out/sub";
  const Exec e = hurdle_exec(
      folder, {"--copy-back", "out", "--copy-back", "out/sub/victim", "--", "sh", "-c", script});
  EXPECT_EQ(e.status, 125) << describe(e);
  EXPECT_THAT(e.err, HasSubstr("is a symbolic link; a path is not copied back through one"));
  EXPECT_EQ(read_text(outside / "victim"), "keep\n");
}

TEST(HurdleExec, PrepareIsDoneOnceAndKeptInTheBootCache) {
  const ExecFolder folder("prepare");
  const std::vector<std::string> prepare = {
      "--no-sync", "--prepare",
      "echo preparing; head -c 8 /dev/urandom | od -An -tx1 > /root/made"};
  auto with = [&](std::vector<std::string> args, const std::string& command) {
    args.insert(args.end(), {"--", "cat", command});
    return hurdle_exec(folder, args);
  };
  const Exec first = with(prepare, "/root/made");
  ASSERT_EQ(first.status, 0) << describe(first);
  EXPECT_THAT(first.out, HasSubstr("preparing"));
  const Exec second = with(prepare, "/root/made");
  ASSERT_EQ(second.status, 0) << describe(second);
  EXPECT_THAT(second.out, Not(HasSubstr("preparing")));  // prepared before, not again
  EXPECT_THAT(second.out, HasSubstr(first.out.substr(first.out.find('\n') + 1)));
  std::vector<std::string> changed = prepare;
  changed[2] += " # changed";
  const Exec third = with(changed, "/root/made");
  ASSERT_EQ(third.status, 0) << describe(third);
  EXPECT_THAT(third.out, HasSubstr("preparing"));
  // Why it booted: the template there is another prepare's.
  EXPECT_THAT(third.err, HasSubstr("is not this run's: suite.provision")) << describe(third);
  std::size_t templates = 0;
  for (const auto& t : fs::directory_iterator(folder.cache() / "templates"))
    if (t.is_directory() && fs::exists(t.path() / "template.json")) ++templates;
  EXPECT_EQ(templates, 2u);
}

TEST(HurdleExec, EnvIsForwardedExactlyAndMaskedEverywhere) {
  const ExecFolder folder("env");
  const std::string value = "a'b\"c $HOME `id` \\ end\nsecond line";
  ::setenv("HURDLE_EXEC_TEST_TOKEN", value.c_str(), 1);
  const Exec e =
      hurdle_exec(folder, {"--no-sync", "--env", "HURDLE_EXEC_TEST_TOKEN", "--", "sh", "-c",
                           "printf %s \"$HURDLE_EXEC_TEST_TOKEN\" | sha256sum; "
                           "echo \"$HURDLE_EXEC_TEST_TOKEN\"; exit 2"});
  ::unsetenv("HURDLE_EXEC_TEST_TOKEN");
  EXPECT_EQ(e.status, 2) << describe(e);
  EXPECT_THAT(e.out, HasSubstr(hurdle::text_digest(value).hex)) << describe(e);
  EXPECT_THAT(e.out, HasSubstr("********"));
  EXPECT_THAT(e.out + e.err, Not(HasSubstr("a'b\"c")));
  EXPECT_THAT(files_containing(folder.reports(), "a'b\"c"), ::testing::IsEmpty());
  EXPECT_THAT(files_containing(folder.cache(), "a'b\"c"), ::testing::IsEmpty());
  const Exec unset = hurdle_exec(folder, {"--no-sync", "--env", "HURDLE_EXEC_UNSET", "--", "true"});
  EXPECT_EQ(unset.status, 125);
  EXPECT_THAT(unset.err, HasSubstr("--env HURDLE_EXEC_UNSET: the variable is not set"));
}

TEST(HurdleExec, ThePrintedSuiteIsOneHurdleRunAccepts) {
  const ExecFolder folder("print");
  // The command's text reaches the guest as given: ${x} and $$ are not the suite's.
  const Exec ran = hurdle_exec(folder, {"--prepare", "echo '$HOME'", "--", "echo", "${x} $$"});
  ASSERT_EQ(ran.status, 0) << describe(ran);
  EXPECT_THAT(ran.out, HasSubstr("$HOME\n"));
  EXPECT_THAT(ran.out, HasSubstr("${x} $$\n"));
  const Exec printed = hurdle_exec(
      folder, {"--print-suite", "--copy-back", "out", "--results", "junit:r.xml", "--", "true"});
  ASSERT_EQ(printed.status, 0) << describe(printed);
  EXPECT_THAT(printed.out, HasSubstr("always: true"));
  const fs::path suite = folder.root / "printed.yaml";
  std::ofstream(suite) << printed.out;
  namespace bp = boost::process::v2;
  boost::asio::io_context ctx;
  bp::process p(ctx, hurdle::test::hurdle_program().string(),
                std::vector<std::string>{"validate", suite.string()});
  EXPECT_EQ(p.wait(), 0);
}

}  // namespace

namespace {

// `hurdle ARGS...` with HURDLE_CACHE_DIR set to `cache`.
std::pair<int, std::string> hurdle_with_cache(const fs::path& cache,
                                              const std::vector<std::string>& args) {
  ::setenv("HURDLE_CACHE_DIR", cache.c_str(), 1);
  return hurdle::test::hurdle_command(args);
}

// HURDLE_PACK_KEY set (or, empty, unset) while it lives; as it was after.
struct PackKey {
  std::optional<std::string> old;
  explicit PackKey(const std::string& secret) {
    if (const char* v = std::getenv("HURDLE_PACK_KEY")) old = v;
    if (secret.empty())
      ::unsetenv("HURDLE_PACK_KEY");
    else
      ::setenv("HURDLE_PACK_KEY", secret.c_str(), 1);
  }
  ~PackKey() {
    if (old)
      ::setenv("HURDLE_PACK_KEY", old->c_str(), 1);
    else
      ::unsetenv("HURDLE_PACK_KEY");
  }
  PackKey(const PackKey&) = delete;
  PackKey& operator=(const PackKey&) = delete;
};

// A QEMU that says it is another version, and is the same QEMU otherwise: a runner whose QEMU
// was upgraded.
struct OtherQemuVersion {
  fs::path dir;
  std::string old_path = std::getenv("PATH");
  explicit OtherQemuVersion(const fs::path& where) : dir(where) {
    fs::create_directories(dir);
    const std::string real = hurdle::find_program("qemu-system-x86_64");
    std::ofstream(dir / "qemu-system-x86_64")
        << "#!/bin/sh\nif [ \"$1\" = --version ]; then\n"
           "  echo 'QEMU emulator version 99.0.0 (a runner upgraded)'; exit 0\nfi\nexec '"
        << real << "' \"$@\"\n";
    fs::permissions(dir / "qemu-system-x86_64", fs::perms::owner_all);
    ::setenv("PATH", (dir.string() + ":" + old_path).c_str(), 1);
  }
  ~OtherQemuVersion() { ::setenv("PATH", old_path.c_str(), 1); }
  OtherQemuVersion(const OtherQemuVersion&) = delete;
  OtherQemuVersion& operator=(const OtherQemuVersion&) = delete;
};

}  // namespace

// The prepared machine travels: packed from one runner's boot cache, unpacked into another's
// (another cache folder), where exec neither boots nor prepares; a runner whose QEMU differs
// makes its own, saying so.
TEST(HurdleExec, APackedTemplateTravelsToAnotherRunnerAndAMismatchRebuildsSayingWhy) {
  const ExecFolder first("pack-first");
  const ExecFolder second("pack-second");
  const std::vector<std::string> args = {
      "--no-sync", "--prepare", "echo preparing; echo made-on-the-first > /root/made",
      "--",        "cat",       "/root/made"};
  const Exec made = hurdle_exec(first, args);
  ASSERT_EQ(made.status, 0) << describe(made);
  ASSERT_THAT(made.out, HasSubstr("preparing"));
  const fs::path pack = first.root / "travels" / "exec.tar.zst";
  const PackKey key("the runner's secret, from secrets.*");
  const auto [packed, pack_said] =
      hurdle_with_cache(first.cache(), {"cache", "pack", "--suite", "exec", "--to", pack.string()});
  ASSERT_EQ(packed, 0) << pack_said;
  EXPECT_THAT(pack_said, HasSubstr("packed template "));
  EXPECT_THAT(pack_said, HasSubstr("signed with HURDLE_PACK_KEY"));
  {
    // Nothing proves who wrote a pack to a runner without the key, or with another one.
    const PackKey none("");
    const auto [status, said] =
        hurdle_with_cache(second.cache(), {"cache", "unpack", pack.string()});
    EXPECT_EQ(status, 2) << said;
    EXPECT_THAT(said, HasSubstr(pack.string() + ": template pack refused: nothing here can check"));
    const PackKey other("another runner's secret, 32 bytes");
    const auto [status2, said2] =
        hurdle_with_cache(second.cache(), {"cache", "unpack", pack.string()});
    EXPECT_EQ(status2, 2) << said2;
    EXPECT_THAT(said2, HasSubstr("does not match HURDLE_PACK_KEY"));
    EXPECT_FALSE(fs::exists(second.cache() / "templates")) << "a refused pack left a folder";
  }
  const auto [unpacked, unpack_said] =
      hurdle_with_cache(second.cache(), {"cache", "unpack", pack.string()});
  ASSERT_EQ(unpacked, 0) << unpack_said;
  EXPECT_THAT(unpack_said, HasSubstr("its signature checked with HURDLE_PACK_KEY"));

  const Exec restored = hurdle_exec(second, args);
  ASSERT_EQ(restored.status, 0) << describe(restored);
  EXPECT_EQ(restored.out, "made-on-the-first\n") << describe(restored);  // no prepare, no boot
  EXPECT_EQ(files_containing(second.reports(), "name=\"boot_cache\" value=\"used\"").size(), 1u)
      << "the run's JUnit does not say the boot cache was used";

  const OtherQemuVersion upgraded(second.root / "other-qemu");
  const Exec rebuilt = hurdle_exec(second, args);
  ASSERT_EQ(rebuilt.status, 0) << describe(rebuilt);
  EXPECT_THAT(rebuilt.out, HasSubstr("preparing"));
  EXPECT_THAT(rebuilt.err, HasSubstr("is not this run's: qemu.version"));
  EXPECT_THAT(rebuilt.err, HasSubstr("99.0.0"));
}

// In a GitHub job, each live step's lines are a log group, and while they are printed the
// runner's workflow commands are stopped with a token the guest cannot know: a guest line
// `::error::` or `::add-mask::` is text in the log, never a command.
TEST(HurdleExec, InAGitHubJobEachLiveStepIsAGroupAndTheGuestIssuesNoWorkflowCommand) {
  const ExecFolder folder("github");
  const Exec e = hurdle_exec(folder,
                             {"--no-sync", "--prepare", "echo '::add-mask::prepared'", "--", "sh",
                              "-c", "echo '::error::injected'; echo done"},
                             true);
  ASSERT_EQ(e.status, 0) << describe(e);
  std::vector<std::string> lines;
  for (const auto& l : e.out_lines) lines.push_back(l.text);
  ASSERT_EQ(lines.size(), 11u) << e.out;
  const RE2 stop("::stop-commands::([0-9a-f]{32})");
  std::string first;
  std::string second;
  EXPECT_THAT(lines[0], testing::StartsWith("::group::ssh.succeed `echo '::add-mask::prepared'`"));
  ASSERT_TRUE(RE2::FullMatch(lines[1], stop, &first)) << lines[1];
  EXPECT_EQ(lines[2], "::add-mask::prepared");
  EXPECT_EQ(lines[3], "::" + first + "::");
  EXPECT_EQ(lines[4], "::endgroup::");
  EXPECT_THAT(lines[5], testing::StartsWith("::group::ssh.succeed "));
  ASSERT_TRUE(RE2::FullMatch(lines[6], stop, &second)) << lines[6];
  EXPECT_NE(first, second);
  EXPECT_EQ(lines[7], "::error::injected");
  EXPECT_EQ(lines[8], "done");
  EXPECT_EQ(lines[9], "::" + second + "::");
  EXPECT_EQ(lines[10], "::endgroup::");
}

// A boot that stalls is hurdle's failure (125) naming the stage and the console's tail, never
// a silent wait.
TEST(HurdleExec, ABootThatStallsSaysWhereWithTheConsolesTail) {
  const ExecFolder folder("stall");
  std::string profile = read_text(hurdle::test::source_dir() / "fixtures/machines/linux-mini.yaml");
  ASSERT_TRUE(RE2::Replace(&profile, "pattern: 'hurdle-mini: ready'", "pattern: 'never-printed'"));
  ASSERT_TRUE(RE2::Replace(&profile, "  boot: 120s", "  boot: 8s"));
  std::ofstream(folder.root / "stalls.yaml") << profile;
  const Exec e = hurdle_exec(
      folder, {"--machine", (folder.root / "stalls.yaml").string(), "--no-sync", "--", "true"});
  EXPECT_EQ(e.status, 125) << describe(e);
  EXPECT_THAT(e.err, HasSubstr("the machine did not boot: linux-mini: waited"));
  EXPECT_THAT(e.err, HasSubstr("for 'never-printed' on the console"));
  EXPECT_THAT(e.err, HasSubstr("--- last console output ---"));
  EXPECT_EQ(e.out, "");  // nothing of the guest's: the command never ran
}

namespace {

// A `hurdle vm` a test leaves running: killed at the end, whatever happened.
struct LeftRunning {
  std::string name;
  ~LeftRunning() { (void)hurdle::test::hurdle_command({"vm", "kill", name}); }
};

}  // namespace

// `--leave-running`: the machine goes on as a `hurdle vm`, saved as the command left it and
// resumed; `hurdle vm exec` runs later commands in it, with the work tree synced in again,
// the output live, copy-back and the command's own status. The saved machine goes with the VM.
TEST(HurdleExec, TheMachineGoesOnAndVmExecRunsInItAsItWasLeft) {
  const ExecFolder folder("leave-running");
  const LeftRunning vm{"exec-test-" + std::to_string(::getpid())};
  std::ofstream(folder.work() / "input.txt") << "first\n";
  const Exec first = hurdle_exec(folder, {"--leave-running", vm.name, "--", "sh", "-c",
                                          "echo left-by-exec > /root/state; sleep 1000 >/dev/null "
                                          "2>&1 & echo $! > /root/sleeper; exit 5"});
  ASSERT_EQ(first.status, 5) << describe(first);  // the command's status, and it goes on
  EXPECT_THAT(first.err, HasSubstr("the machine goes on as " + vm.name));

  // The name is taken now: refused before anything boots (no run folder is made).
  const auto runs_before = std::distance(fs::directory_iterator(folder.reports()), {});
  const Exec again = hurdle_exec(folder, {"--leave-running", vm.name, "--", "true"});
  EXPECT_EQ(again.status, 125);
  EXPECT_THAT(again.err, HasSubstr("a VM named " + vm.name + " is running already"));
  EXPECT_EQ(std::distance(fs::directory_iterator(folder.reports()), {}), runs_before);

  std::ofstream(folder.work() / "input.txt") << "changed since\n";
  const Exec later =
      run_hurdle(folder, {"vm", "exec", vm.name, "--copy-back", "out dir", "--", "sh", "-c",
                          "cat /root/state; kill -0 $(cat /root/sleeper) && echo still-running; "
                          "cat input.txt; mkdir -p 'out dir'; echo made > 'out dir/f'; "
                          "echo line-before; sleep 2; echo line-after; exit 7"});
  EXPECT_EQ(later.status, 7) << describe(later);
  EXPECT_THAT(later.out, HasSubstr("left-by-exec\nstill-running\nchanged since\n"));
  EXPECT_EQ(read_text(folder.work() / "out dir/f"), "made\n");
  // Live: the line before the sleep came at least a second before the command ended.
  const auto before = std::find_if(later.out_lines.begin(), later.out_lines.end(),
                                   [](const Line& l) { return l.text == "line-before"; });
  ASSERT_NE(before, later.out_lines.end()) << describe(later);
  EXPECT_GT(later.ended - before->at, std::chrono::milliseconds(1500));

  const Exec killed =
      run_hurdle(folder, {"vm", "exec", vm.name, "--no-sync", "--", "sh", "-c", "kill -KILL $$"});
  EXPECT_EQ(killed.status, 128 + 9) << describe(killed);
  const Exec outside =
      run_hurdle(folder, {"vm", "exec", vm.name, "--copy-back", "../x", "--", "true"});
  EXPECT_EQ(outside.status, 125);
  EXPECT_THAT(outside.err, HasSubstr("hurdle vm exec: --copy-back: expected a path inside the "
                                     "synced folder"));

  // The saved machine the VM runs from is its own: gone with it, even when its supervisor
  // was killed and had no say.
  ASSERT_FALSE(fs::is_empty(folder.cache() / "vm-saved"));
  const Exec kill = run_hurdle(folder, {"vm", "kill", vm.name});
  EXPECT_EQ(kill.status, 0) << describe(kill);
  EXPECT_TRUE(fs::is_empty(folder.cache() / "vm-saved"));
}

// `hurdle vm start --from` a failed scenario's saved machine: a person goes on where it failed,
// with the same tools as for any VM.
TEST(HurdleExec, AFailedStateStartsAsAVm) {
  const ExecFolder folder("from-failed-state");
  const LeftRunning vm{"failed-state-" + std::to_string(::getpid())};
  const Exec failed = hurdle_exec(folder, {"--keep-failed-state", "--no-sync", "--", "sh", "-c",
                                           "echo at-the-failure > /root/clue; exit 1"});
  ASSERT_EQ(failed.status, 1) << describe(failed);
  std::vector<fs::path> saved;
  for (const auto& e : fs::recursive_directory_iterator(folder.reports()))
    if (e.path().filename() == "failed-state") saved.push_back(e.path());
  ASSERT_EQ(saved.size(), 1U) << describe(failed);
  const Exec start = run_hurdle(folder, {"vm", "start", vm.name, "--from", saved[0].string()});
  ASSERT_EQ(start.status, 0) << describe(start);
  const Exec clue =
      run_hurdle(folder, {"vm", "exec", vm.name, "--no-sync", "--", "cat", "/root/clue"});
  EXPECT_EQ(clue.status, 0) << describe(clue);
  EXPECT_EQ(clue.out, "at-the-failure\n");
  const Exec both = run_hurdle(
      folder, {"vm", "start", "other", "--from", saved[0].string(), "--profile", "linux-mini"});
  EXPECT_EQ(both.status, 2);  // one machine: a profile or a saved one
  EXPECT_EQ(run_hurdle(folder, {"vm", "quit", vm.name}).status, 0);
  EXPECT_TRUE(fs::exists(saved[0] / "saved-machine.json"));  // not the VM's: it stays
}
