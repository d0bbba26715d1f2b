// hurdle's container image as users run it, built by the CTest fixture container.image
// (ci/container: a Debian 12 base made by mmdebstrap, then ci/Containerfile with this build's
// .deb) and run with podman (runc, ci/containers.conf): the program's version, the example suite
// on the Linux test guest under TCG, and `hurdle exec` with a preparation, a copy back and a
// failing command, each as a user of the host (`--user`), whose files everything left is.
// Then the composite action's own scripts as the action runs them (start-container.sh, its
// inputs as environment, a workspace and a cache folder mounted) in the plain base image, which
// installs the .deb first: what it leaves is the runner's user's, and the keys stay private.
// Needs root (podman's rootful store here, useradd): skipped otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_user.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using test::mode_of;
using test::owned_by_root;
using test::TestUser;
using test::unreadable_by;
using ::testing::HasSubstr;

// podman with hurdle's settings for this host (runc, no ulimits, no pids limit).
ProgramResult podman(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {
      "env", "CONTAINERS_CONF=" + (test::source_dir() / "ci/containers.conf").string(), "podman"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv);
}

// The version this build's hurdle prints, which names its image (localhost/hurdle:VERSION).
std::string this_version() {
  const ProgramResult r = run_program({test::hurdle_program().string(), "--version"});
  std::string version;
  EXPECT_TRUE(RE2::FullMatch(r.out, "hurdle (\\S+)\n", &version)) << r.out;
  return version;
}

// The JUnit file's totals: tests, failures + errors.
struct JunitTotals {
  int tests = -1;
  int failed = -1;
  std::string hostname;  // the first suite's: where it ran
};
JunitTotals totals_of(const fs::path& junit) {
  pugi::xml_document doc;
  JunitTotals totals;
  if (!doc.load_file(junit.c_str())) {
    ADD_FAILURE() << junit << " is not XML";
    return totals;
  }
  const pugi::xml_node all = doc.child("testsuites");
  totals.tests = all.attribute("tests").as_int(-1);
  totals.failed = all.attribute("failures").as_int(-1) + all.attribute("errors").as_int(-1);
  totals.hostname = all.child("testsuite").attribute("hostname").as_string();
  return totals;
}

std::string host_name() {
  char name[256] = {};
  EXPECT_EQ(::gethostname(name, sizeof name - 1), 0);
  return name;
}

class HurdleContainer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "podman's store here is root's, and useradd needs root";
    if (find_program("podman").empty()) GTEST_SKIP() << "podman is not installed (ci/setup)";
    user_.emplace();
    image_ = "localhost/hurdle:" + this_version();
    ASSERT_EQ(podman({"image", "exists", image_}).exit_code, 0)
        << image_ << " was not built (the fixture container.image builds it)";
    // The users' folders are theirs, beneath folders they may cross.
    fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::others_exec);
    give(work(), *user_);
  }
  [[nodiscard]] fs::path work() const { return dir_ / "work"; }
  static void give(const fs::path& folder, const TestUser& user) {
    fs::create_directories(folder);
    ASSERT_EQ(run_program({"chown", "-R", user.ids(), folder.string()}).exit_code, 0) << folder;
  }

  // `hurdle ARGS` in the image as the user, in work() (its /work, also its home and cache),
  // with the test guests and the source tree's suites and profiles read-only.
  ProgramResult hurdle_in_image(const std::vector<std::string>& args) {
    const fs::path src = test::source_dir();
    std::vector<std::string> argv = {"run",
                                     "--rm",
                                     "--user",
                                     user_->ids(),
                                     "--shm-size=4g",
                                     "-e",
                                     "HOME=/work",
                                     "-e",
                                     "HURDLE_CACHE_DIR=/work/.cache/hurdle",
                                     "-e",
                                     "HURDLE_GUEST_DIR=/guests",
                                     "-e",
                                     "HURDLE_PROFILE_PATH=/src/fixtures/machines",
                                     "-v",
                                     std::string(HURDLE_TEST_GUEST_DIR) + ":/guests:ro",
                                     "-v",
                                     (src / "scenarios").string() + ":/src/scenarios:ro",
                                     "-v",
                                     (src / "fixtures").string() + ":/src/fixtures:ro",
                                     "-v",
                                     work().string() + ":/work",
                                     image_};
    argv.insert(argv.end(), args.begin(), args.end());
    return podman(argv);
  }

  PrivateFolder dir_{"container"};
  std::optional<TestUser> user_;  // made once the test knows it is root
  std::string image_;
};

TEST_F(HurdleContainer, TheImagesHurdleIsThisBuilds) {
  const ProgramResult r = hurdle_in_image({"--version"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hurdle " + this_version() + "\n");
  // Installed from the package, where the package puts it.
  const ProgramResult where = podman({"run", "--rm", "--entrypoint", "sh", image_, "-c",
                                      "command -v hurdle && dpkg-query -W -f='${Status}' hurdle"});
  EXPECT_EQ(where.out, "/usr/bin/hurdle\ninstall ok installed") << where.err;
}

TEST_F(HurdleContainer, TheExampleSuitePassesUnderTcgAndLeavesTheUsersFiles) {
  const ProgramResult r = hurdle_in_image({"run", "/src/scenarios/examples/linux-mini.yaml",
                                           "--accel", "tcg", "--junit", "/work/junit.xml"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const JunitTotals totals = totals_of(work() / "junit.xml");
  EXPECT_GE(totals.tests, 6);
  EXPECT_EQ(totals.failed, 0);
  EXPECT_NE(totals.hostname, host_name());  // the container's, not this host's
  EXPECT_TRUE(fs::is_directory(work() / "reports"));
  EXPECT_EQ(owned_by_root({work()}), "");
  EXPECT_EQ(unreadable_by(*user_, work()), "");
}

TEST_F(HurdleContainer, ExecPreparesCopiesBackAndExitsWithTheCommandsStatus) {
  std::ofstream(work() / "input.txt") << "hello\n";
  give(work(), *user_);
  const ProgramResult r = hurdle_in_image(
      {"exec", "--machine", "linux-mini", "--accel", "tcg", "--prepare",
       "echo prepared > /root/prepared", "--copy-back", "out", "--junit", "/work/exec.xml", "--",
       "sh", "-c", "mkdir -p out && cat /root/prepared input.txt > out/both.txt && exit 7"});
  EXPECT_EQ(r.exit_code, 7) << r.out << r.err;
  // The preparation was made before the command, and the command's file came back.
  EXPECT_EQ(test::read_file(work() / "out/both.txt"), "prepared\nhello\n");
  const JunitTotals totals = totals_of(work() / "exec.xml");
  EXPECT_EQ(totals.tests, 1);
  EXPECT_EQ(totals.failed, 1);
  EXPECT_EQ(owned_by_root({work()}), "");
}

// The action's step, as action.yml runs it (start-container.sh), with podman and the base image
// in place of docker and debian:bookworm: the container installs the .deb from the package
// folder, runs a suite that fails with KEEP=true and HISTORY, and gives everything back.
TEST_F(HurdleContainer, TheActionsContainerInstallsThePackageAndLeavesTheRunnersFiles) {
  const ProgramResult base = run_program({(test::source_dir() / "ci/container").string(), "base"});
  ASSERT_EQ(base.exit_code, 0) << base.err;
  const std::string base_image = base.out.substr(0, base.out.find('\n'));
  const TestUser other;
  const fs::path home = dir_ / "home";
  const fs::path workspace = dir_ / "workspace";
  const fs::path runner_temp = dir_ / "runner-temp";
  fs::create_directories(runner_temp / "hurdle-deb");
  // As the action's download step leaves it: the release's .deb alone.
  for (const auto& deb : fs::directory_iterator(HURDLE_TEST_DEB_DIR))
    if (deb.path().extension() == ".deb")
      fs::copy_file(deb.path(), runner_temp / "hurdle-deb" / deb.path().filename());
  ASSERT_EQ(test::count_entries(runner_temp / "hurdle-deb"), 1U) << HURDLE_TEST_DEB_DIR;
  // The Linux test guest with hurdle's own key, inside the workspace (the action mounts
  // nothing else of the host's), and a suite whose scenario fails as written.
  fs::create_directories(workspace / "guests");
  for (const char* f : {"vmlinuz", "initrd.img", "disk.qcow2"})
    fs::copy_file(test::guest_dir("linux-mini") / f, workspace / "guests" / f);
  std::string profile = test::read_file(test::source_dir() / "fixtures/machines/linux-mini.yaml");
  ASSERT_TRUE(RE2::Replace(&profile, "name: linux-mini", "name: linux-key"));
  ASSERT_TRUE(RE2::Replace(&profile, "auth: none[^\n]*", "auth: hurdle-key"));
  ASSERT_TRUE(
      RE2::Replace(&profile, "guests: \\$\\{guest_dir\\}[^\n]*", "guests: " + workspace.string()));
  ASSERT_GT(RE2::GlobalReplace(&profile, "\\$\\{guests\\}/linux-mini/", "${guests}/guests/"), 0);
  std::ofstream(workspace / "linux-key.yaml") << profile;
  std::ofstream(workspace / "fails.yaml")
      << "suite: action\nmachine: " << (workspace / "linux-key.yaml").string()
      << "\nboot:\n  login: true\nscenarios:\n  - name: fails\n    steps:\n"
         "      - ssh.succeed: { command: 'echo no', stdout: \"yes\\n\" }\n";
  // As the runner's user has them before the step.
  give(workspace, *user_);
  fs::create_directories(home / ".cache/hurdle");
  give(home, *user_);

  const fs::path action = test::source_dir() / ".github/actions/hurdle";
  const ProgramResult job =
      run_program({"env",
                   "-i",
                   "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                   "HOME=" + home.string(),
                   "CONTAINERS_CONF=" + (test::source_dir() / "ci/containers.conf").string(),
                   "HURDLE_CONTAINER_ENGINE=podman",
                   "HURDLE_CONTAINER_IMAGE=" + base_image,
                   "GITHUB_ACTIONS=true",
                   "GITHUB_WORKSPACE=" + workspace.string(),
                   "GITHUB_ACTION_PATH=" + action.string(),
                   "RUNNER_TEMP=" + runner_temp.string(),
                   "HOST_UID=" + std::to_string(user_->uid()),
                   "HOST_GID=" + std::to_string(user_->gid()),
                   "SUITE=" + (workspace / "fails.yaml").string(),
                   "IMAGE=",
                   "SHARD=",
                   "ARGS=",
                   "REPORTS=reports",
                   "KEEP=true",
                   "HISTORY=nightly",
                   "ACCEL=tcg",
                   "bash",
                   "-c",
                   "cd \"$GITHUB_WORKSPACE\" && exec \"$0\"",
                   (action / "start-container.sh").string()});
  ASSERT_EQ(job.exit_code, 1) << job.out << job.err;  // the scenario fails, as written
  EXPECT_THAT(job.out, HasSubstr("::error file=fails.yaml,line=8"));

  const JunitTotals totals = totals_of(workspace / "reports/junit.xml");
  EXPECT_EQ(totals.tests, 1);
  EXPECT_EQ(totals.failed, 1);
  EXPECT_NE(totals.hostname, host_name());
  EXPECT_TRUE(fs::exists(workspace / "reports/summary.md"));
  EXPECT_TRUE(fs::exists(home / ".cache/hurdle/history/nightly.sqlite"));

  // Nothing is left to root, and the runner reads all of it.
  EXPECT_EQ(owned_by_root({workspace, home}), "");
  EXPECT_EQ(unreadable_by(*user_, workspace), "");
  EXPECT_EQ(unreadable_by(*user_, home), "");
  // The failed machine's key and hurdle's own key: the runner's alone, modes kept.
  const ProgramResult keys =
      run_program({"find", workspace.string(), "-path", "*/failed-state/ssh-key"});
  const std::string saved_key = keys.out.substr(0, keys.out.find('\n'));
  ASSERT_FALSE(saved_key.empty()) << "no failed-state/ssh-key under " << workspace;
  for (const fs::path& key : {fs::path(saved_key), home / ".cache/hurdle/ssh/hurdle_ed25519"}) {
    EXPECT_EQ(mode_of(key), 0600U) << key;
    EXPECT_EQ(mode_of(key.parent_path()) & 0077U, 0U) << key.parent_path();
    EXPECT_EQ(user_->run({"cat", key.string()}).exit_code, 0) << key;
    EXPECT_NE(other.run({"cat", key.string()}).exit_code, 0) << key << " is readable by others";
  }
}

}  // namespace
}  // namespace hurdle
