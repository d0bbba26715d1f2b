// The composite action's container script (.github/actions/hurdle/run-in-container.sh) run as
// a GitHub job runs it: as root (the container's user), for a runner whose steps afterwards run
// as another user. A user is made for the test; the script runs a suite that fails with
// KEEP=true and fetches a test image prepared with hurdle's own SSH key. Afterwards that user
// reads every file of the reports, the failed machine and the cache folder, while the private
// keys stay unreadable to anyone else. Then a second job starts from a fresh home with only
// what the action's cache step restores (its `path:` lines, read from action.yml), and does no
// preparation at all. Needs root (useradd, chown): skipped otherwise.
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <re2/re2.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "support/file_server.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_image_lock.hpp"
#include "support/test_user.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using test::FileServer;
using test::kAmd64Disk;
using test::mode_of;
using test::TestUser;
using test::unreadable_by;
using ::testing::HasSubstr;
using ::testing::Not;

// The `path:` lines of the action's cache step named `name`, as actions/cache restores them.
std::vector<std::string> cached_paths(const std::string& name) {
  const YAML::Node action =
      YAML::LoadFile((test::source_dir() / ".github/actions/hurdle/action.yml").string());
  std::vector<std::string> paths;
  for (const auto& step : action["runs"]["steps"]) {
    if (step["uses"] && step["uses"].as<std::string>().rfind("actions/cache@", 0) == 0 &&
        step["name"].as<std::string>() == name) {
      std::istringstream lines(step["with"]["path"].as<std::string>());
      for (std::string line; std::getline(lines, line);)
        if (!line.empty()) paths.push_back(line);
    }
  }
  return paths;
}

class ActionContainer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the container script runs as root; this is not root";
    if (find_program("useradd").empty() || find_program("setpriv").empty())
      GTEST_SKIP() << "useradd or setpriv is not installed";
    // A runner's folders: its home and workspace are its own, beneath folders it may cross.
    fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::others_exec);
    fs::create_directories(served());
    fs::copy_file(test::hurd_disk_dir() / kAmd64Disk, served() / kAmd64Disk);
    fs::create_directories(dir_ / "no-package");
    // linux-mini with hurdle's own key: installed over the console at login, kept in the cache
    // folder, and saved with a failed machine (its private key file in failed-state/).
    std::string profile = test::read_file(test::source_dir() / "fixtures/machines/linux-mini.yaml");
    ASSERT_TRUE(RE2::Replace(&profile, "name: linux-mini", "name: linux-key"));
    ASSERT_TRUE(RE2::Replace(&profile, "auth: none[^\n]*", "auth: hurdle-key"));
    std::ofstream(dir_ / "linux-key.yaml") << profile;
    std::ofstream(dir_ / "fails.yaml")
        << "suite: action\nmachine: " << (dir_ / "linux-key.yaml").string()
        << "\nboot:\n  login: true\nscenarios:\n  - name: fails\n    steps:\n"
           "      - ssh.succeed: { command: 'echo no', stdout: \"yes\\n\" }\n";
  }
  [[nodiscard]] fs::path served() const { return dir_ / "served"; }

  // One job: the script as root, in `workspace` with `home`, for `user`; `more`: the step's
  // environment beyond a suite run's (the `run` inputs).
  ProgramResult job(const TestUser& user, const fs::path& home, const fs::path& workspace,
                    const std::string& image, const std::vector<std::string>& more = {}) {
    // As the action's step does before `docker run`, as the runner's user.
    for (const auto& d :
         {home, home / ".cache", home / ".cache/hurdle", workspace, workspace / "reports"}) {
      fs::create_directories(d);
      EXPECT_EQ(::chown(d.c_str(), user.uid(), user.gid()), 0) << d;
    }
    const std::string path =
        test::hurdle_program().parent_path().string() + ":/usr/sbin:/usr/bin:/sbin:/bin";
    std::vector<std::string> argv = {"env",
                                     "-i",
                                     "PATH=" + path,
                                     "HOME=" + home.string(),
                                     "GITHUB_ACTIONS=true",
                                     "GITHUB_WORKSPACE=" + workspace.string(),
                                     "HURDLE_GUEST_DIR=" + std::string(HURDLE_TEST_GUEST_DIR),
                                     "HURDLE_IMAGE_LOCK=" + (dir_ / "lock.yaml").string(),
                                     "HURDLE_DEB_DIR=" + (dir_ / "no-package").string(),
                                     "HOST_UID=" + std::to_string(user.uid()),
                                     "HOST_GID=" + std::to_string(user.gid()),
                                     "SUITE=" + (dir_ / "fails.yaml").string(),
                                     "IMAGE=" + image,
                                     "SHARD=",
                                     "ARGS=--no-boot-cache",
                                     "REPORTS=" + (workspace / "reports").string(),
                                     "KEEP=true",
                                     "ACCEL=tcg"};
    argv.insert(argv.end(), more.begin(), more.end());  // env(1): the last one counts
    argv.insert(argv.end(),
                {"bash", "-c", "cd \"$GITHUB_WORKSPACE\" && exec bash \"$0\"",
                 (test::source_dir() / ".github/actions/hurdle/run-in-container.sh").string()});
    return run_program(argv);
  }

  // What actions/cache saves after a job in `from` and restores before the next in `to`: the
  // paths the cache step `name` names, nothing else of the first home.
  static void carry_cache(const std::string& name, const fs::path& from, const fs::path& to) {
    const std::vector<std::string> paths = cached_paths(name);
    ASSERT_FALSE(paths.empty()) << name;
    for (const std::string& p : paths) {
      ASSERT_EQ(p.rfind("~/", 0), 0U) << p;
      fs::create_directories((to / p.substr(2)).parent_path());
      ASSERT_EQ(
          run_program({"cp", "-a", (from / p.substr(2)).string(), (to / p.substr(2)).string()})
              .exit_code,
          0)
          << p;
    }
  }

  PrivateFolder dir_{"action"};
};

TEST_F(ActionContainer, WhatTheContainerLeavesIsTheRunnersAndTheKeysStayPrivate) {
  const TestUser runner;
  const TestUser other;
  FileServer server(served(), FileServer::Protocol::kHttp);
  test::write_test_lock(dir_ / "lock.yaml",
                        {test::amd64_disk("hurd-test", server.url(kAmd64Disk))});
  const fs::path home = dir_ / "home1";
  const fs::path workspace = dir_ / "workspace1";
  const ProgramResult first = job(runner, home, workspace, "hurd-test");
  ASSERT_EQ(first.exit_code, 1) << first.out << first.err;    // the scenario fails, as written
  EXPECT_THAT(first.err, HasSubstr("hurd-test is ready: "));  // prepared in this job

  // Nothing is left to root: the reports, the failed machine and the cache are the runner's.
  EXPECT_EQ(test::owned_by_root({workspace, home}), "");
  EXPECT_EQ(unreadable_by(runner, workspace), "");
  EXPECT_EQ(unreadable_by(runner, home), "");

  // The failed machine's key and hurdle's own key: the runner's alone, modes kept.
  const ProgramResult keys =
      run_program({"find", workspace.string(), "-path", "*/failed-state/ssh-key"});
  const std::string saved_key = keys.out.substr(0, keys.out.find('\n'));
  ASSERT_FALSE(saved_key.empty()) << "no failed-state/ssh-key under " << workspace;
  const fs::path owned_key = home / ".cache/hurdle/ssh/hurdle_ed25519";
  for (const fs::path& key : {fs::path(saved_key), owned_key}) {
    EXPECT_EQ(mode_of(key), 0600U) << key;
    EXPECT_EQ(mode_of(key.parent_path()) & 0077U, 0U) << key.parent_path();
    EXPECT_EQ(runner.run({"cat", key.string()}).exit_code, 0) << key;
    EXPECT_NE(other.run({"cat", key.string()}).exit_code, 0) << key << " is readable by others";
  }
  EXPECT_TRUE(fs::exists(fs::path(saved_key).parent_path() / "saved-machine.json"));
}

TEST_F(ActionContainer, ASecondJobUsesTheFirstJobsPreparedImageWithoutPreparing) {
  const TestUser runner;
  FileServer server(served(), FileServer::Protocol::kHttp);
  test::write_test_lock(dir_ / "lock.yaml",
                        {test::amd64_disk("hurd-test", server.url(kAmd64Disk))});
  const ProgramResult first =
      job(runner, dir_ / "home1", dir_ / "workspace1", "hurd-test", {"HISTORY=nightly"});
  ASSERT_EQ(first.exit_code, 1) << first.out << first.err;
  EXPECT_THAT(first.err, HasSubstr("hurd-test is ready: "));

  carry_cache("Restore the prepared image", dir_ / "home1", dir_ / "home2");
  carry_cache("Restore the history", dir_ / "home1", dir_ / "home2");
  const ProgramResult second =
      job(runner, dir_ / "home2", dir_ / "workspace2", "hurd-test", {"HISTORY=nightly"});
  ASSERT_EQ(second.exit_code, 1) << second.out << second.err;
  // The history the action keeps has both jobs' runs: the scenario fails in both, so the
  // second job's report says since when, the summary says what changed (nothing), and no
  // annotation is printed for a failure that is not new.
  const fs::path history = dir_ / "home2/.cache/hurdle/history/nightly.sqlite";
  ASSERT_TRUE(fs::exists(history));
  EXPECT_EQ(run_program({"sqlite3", history.string(), "SELECT count(*) FROM runs"}).out, "2\n");
  EXPECT_THAT(test::read_file(dir_ / "workspace2/reports/junit.xml"),
              HasSubstr("name=\"history.verdict\" value=\"still failing\""));
  const std::string summary = test::read_file(dir_ / "workspace2/reports/summary.md");
  EXPECT_THAT(summary, HasSubstr("### What changed"));
  EXPECT_THAT(summary, HasSubstr("Nothing changed."));
  EXPECT_THAT(first.out, HasSubstr("::error file="));
  EXPECT_THAT(second.out, Not(HasSubstr("::error file=")));
  // One prepared image in the second home, the first job's, its manifest untouched, and the
  // image downloaded once.
  const fs::path prepared1 = dir_ / "home1/.cache/hurdle/images/prepared";
  const fs::path prepared2 = dir_ / "home2/.cache/hurdle/images/prepared";
  ASSERT_EQ(test::count_entries(prepared2), 1U);
  const fs::path key = fs::directory_iterator(prepared1)->path().filename();
  EXPECT_EQ(test::read_file(prepared2 / key / "manifest.json"),
            test::read_file(prepared1 / key / "manifest.json"));
  EXPECT_EQ(server.served(kAmd64Disk).requests, 1);  // downloaded once, by the first job
}

// `run:` instead of a suite: the checkout synced in, the script's output live in the log (its
// workflow commands stopped), its status the step's; the first job packs the prepared machine
// into the folder the action's cache step keeps, and the next job, with only that restored,
// runs the script on it without booting or preparing, when the pack is signed with the
// `pack-key` it has: an unsigned pack is refused and the machine made anew (and signed).
TEST_F(ActionContainer, ARunScriptsPreparedMachineTravelsToTheNextJobWhenSigned) {
  const TestUser runner;
  std::vector<std::string> run_inputs = {
      "SUITE=",
      "MACHINE=" + (test::source_dir() / "fixtures/machines/linux-mini.yaml").string(),
      "PREPARE=echo preparing; echo prepared-in-job-one > /root/prepared",
      "RUN=cat /root/prepared; cat from-checkout.txt; echo '::error::from the guest'; exit 3",
      "COPY_BACK=",
      "RESULTS=",
      "ENVS=",
      "TIMEOUT=5m",
      "TRAVEL=true",
      "KEEP=false",
      "ARGS=",
      "HURDLE_PACK_KEY=",
      "TRUST_UNSIGNED=false"};
  for (const char* ws : {"workspace1", "workspace2", "workspace3"}) {
    fs::create_directories(dir_ / ws);
    std::ofstream(dir_ / ws / "from-checkout.txt") << "the checkout of " << ws << "\n";
  }
  // A job without pack-key: its pack is not signed.
  const ProgramResult first = job(runner, dir_ / "home1", dir_ / "workspace1", "", run_inputs);
  ASSERT_EQ(first.exit_code, 3) << first.out << first.err;  // the script's own status
  EXPECT_THAT(first.out, HasSubstr("preparing"));
  EXPECT_THAT(first.out, HasSubstr("the checkout of workspace1"));
  EXPECT_THAT(first.out, HasSubstr("::stop-commands::"));  // the guest's lines are text
  EXPECT_THAT(first.out, HasSubstr("::group::hurdle: keeping the prepared machine"));
  EXPECT_THAT(first.out, HasSubstr("not signed"));
  const fs::path pack = dir_ / "home1/.cache/hurdle/packed/machine.tar.zst";
  ASSERT_TRUE(fs::exists(pack)) << first.out << first.err;
  EXPECT_EQ(mode_of(pack) & 0077U, 0U);  // the guest's memory and its key: the runner's alone
  const ProgramResult roots = run_program({"find", (dir_ / "home1").string(), "-uid", "0"});
  EXPECT_EQ(roots.out, "") << "still root's:\n" << roots.out;

  // A job with pack-key refuses the unsigned pack, prepares its own, and keeps it signed.
  run_inputs.back() = "TRUST_UNSIGNED=false";
  run_inputs[run_inputs.size() - 2] = "HURDLE_PACK_KEY=the repository's secret, from secrets.*";
  carry_cache("Restore the prepared machine", dir_ / "home1", dir_ / "home2");
  const ProgramResult second = job(runner, dir_ / "home2", dir_ / "workspace2", "", run_inputs);
  ASSERT_EQ(second.exit_code, 3) << second.out << second.err;
  EXPECT_THAT(second.err, HasSubstr("template pack refused: it is not signed"));
  EXPECT_THAT(second.out, HasSubstr("could not be restored; it is made anew"));
  EXPECT_THAT(second.out, HasSubstr("preparing"));
  EXPECT_THAT(second.out, HasSubstr("signed with HURDLE_PACK_KEY"));

  // The next job with the same key restores it: no boot, no preparing.
  carry_cache("Restore the prepared machine", dir_ / "home2", dir_ / "home3");
  const ProgramResult third = job(runner, dir_ / "home3", dir_ / "workspace3", "", run_inputs);
  ASSERT_EQ(third.exit_code, 3) << third.out << third.err;
  EXPECT_THAT(third.out, HasSubstr("unpacked template"));
  EXPECT_THAT(third.out, HasSubstr("its signature checked with HURDLE_PACK_KEY"));
  EXPECT_THAT(third.out, Not(HasSubstr("preparing")));
  EXPECT_THAT(third.out, HasSubstr("prepared-in-job-one"));
  EXPECT_THAT(third.out, HasSubstr("the checkout of workspace3"));
  EXPECT_THAT(third.out, Not(HasSubstr("keeping the prepared machine")));
}

// `docker exec [-i] [-e NAME[=VALUE]]... CONTAINER COMMAND...` as the action's hurdle-shell
// calls it, without Docker: the command here (the action's folder for /hurdle-action), with the
// variables named; a container other than `expected` is refused. Everything it runs is real.
void write_docker_exec(const fs::path& file, const std::string& expected) {
  std::ofstream(file)
      << "#!/bin/sh\n[ \"$1\" = exec ] || { echo \"fake docker: $1\" >&2; exit 99; }\nshift\n"
         "while [ $# -gt 0 ]; do\n  case \"$1\" in\n    -i) shift ;;\n"
         "    -e) case \"$2\" in *=*) export \"$2\" ;; esac; shift 2 ;;\n    *) break ;;\n"
         "  esac\ndone\n[ \"$1\" = '"
      << expected
      << "' ] || { echo \"fake docker: container $1\" >&2; "
         "exit 98; }\nshift\ncommand=$1\nshift\n"
         "exec \""
      << (test::source_dir() / ".github/actions/hurdle").string()
      << "/${command#/hurdle-action/}\" \"$@\"\n";
  fs::permissions(file, fs::perms::owner_all);
}

// A `hurdle vm` the test may leave behind: killed at the end, whatever happened.
class LeftRunning {
 public:
  explicit LeftRunning(std::string name) : name_(std::move(name)) {}
  ~LeftRunning() { (void)run_program({test::hurdle_program().string(), "vm", "kill", name_}); }
  LeftRunning(const LeftRunning&) = delete;
  LeftRunning& operator=(const LeftRunning&) = delete;
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_;
};

TEST_F(ActionContainer, LaterStepsRunInTheMachineTheRunStepLeftRunning) {
  const TestUser runner;
  const LeftRunning vm("act-" + std::to_string(::getpid()));
  const fs::path workspace = dir_ / "workspace";
  fs::create_directories(workspace);
  std::ofstream(workspace / "from-checkout.txt") << "as the run step saw it\n";
  const ProgramResult first = job(
      runner, dir_ / "home", workspace, "",
      {"SUITE=", "MACHINE=" + (test::source_dir() / "fixtures/machines/linux-mini.yaml").string(),
       "PREPARE=", "RUN=echo made-by-the-run-step > /root/state; cat from-checkout.txt",
       "COPY_BACK=", "RESULTS=", "ENVS=", "TIMEOUT=5m", "TRAVEL=false", "KEEP=false",
       "ARGS=", "LEAVE_RUNNING=" + vm.name()});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("as the run step saw it"));
  EXPECT_THAT(first.err, HasSubstr("the machine goes on as " + vm.name()));

  // A later step, as GitHub runs `shell: hurdle-shell {0}`: its script in a file, the variables
  // the action put in the job's environment, the container's own (HOST_UID...) as `docker run`
  // set them. The checkout changed since the run step: it is synced in again.
  std::ofstream(workspace / "from-checkout.txt") << "changed after the run step\n";
  std::ofstream(dir_ / "step.sh") << "cat /root/state\ncat from-checkout.txt\n"
                                     "echo \"token: $STEP_TOKEN\"\necho built > made.txt\nexit 4\n";
  fs::create_directories(dir_ / "bin");
  write_docker_exec(dir_ / "bin/docker", "hurdle-" + vm.name());
  const fs::path shell = test::source_dir() / ".github/actions/hurdle/hurdle-shell";
  const std::vector<std::string> step_env = {"env",
                                             "-i",
                                             "PATH=" + (dir_ / "bin").string() + ":" +
                                                 test::hurdle_program().parent_path().string() +
                                                 ":/usr/sbin:/usr/bin:/sbin:/bin",
                                             "HOME=" + (dir_ / "home").string(),
                                             "GITHUB_ACTIONS=true",
                                             "GITHUB_WORKSPACE=" + workspace.string(),
                                             "HOST_UID=" + std::to_string(runner.uid()),
                                             "HOST_GID=" + std::to_string(runner.gid()),
                                             "LEAVE_RUNNING=" + vm.name(),
                                             "TIMEOUT=5m",
                                             "HURDLE_CONTAINER=hurdle-" + vm.name(),
                                             "HURDLE_ENVS=STEP_TOKEN",
                                             "STEP_TOKEN=tok-31415926",
                                             "HURDLE_COPY_BACK=made.txt"};
  std::vector<std::string> argv = step_env;
  argv.insert(argv.end(), {"sh", "-c", "cd \"$GITHUB_WORKSPACE\" && exec sh \"$0\" \"$1\"",
                           shell.string(), (dir_ / "step.sh").string()});
  const ProgramResult step = run_program(argv);
  EXPECT_EQ(step.exit_code, 4) << step.out << step.err;      // the script's own status
  EXPECT_THAT(step.out, HasSubstr("made-by-the-run-step"));  // the same guest, as it was left
  EXPECT_THAT(step.out, HasSubstr("changed after the run step"));
  EXPECT_THAT(step.out, HasSubstr("token: ********"));
  EXPECT_THAT(step.out + step.err, Not(HasSubstr("tok-31415926")));
  EXPECT_THAT(step.out, HasSubstr("::stop-commands::"));
  EXPECT_EQ(test::read_file(workspace / "made.txt"), "built\n");
  struct stat st {};
  ASSERT_EQ(::stat((workspace / "made.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, runner.uid());  // handed back to the runner's user

  // Without a machine left running, the shell says what is missing.
  argv = {"env", "-i", "PATH=/usr/bin:/bin", "sh", shell.string(), (dir_ / "step.sh").string()};
  const ProgramResult none = run_program(argv);
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("give the hurdle action `leave-running`"));
}

}  // namespace
}  // namespace hurdle
