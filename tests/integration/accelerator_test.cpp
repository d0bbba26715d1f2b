// The accelerator choice against real QEMU: the KVM probe's verdict at both ends of its
// limit, the per-boot cache of that verdict, and the overrides (HURDLE_ACCEL, --accel).
// Whether /dev/kvm opens decides what each test expects; both outcomes are asserted.
#include "qemu/accelerator.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "machine/machine.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_machine.hpp"

namespace hurdle {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::read_file;

const std::string kQemu = "qemu-system-x86_64";

bool kvm_opens() {
  const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Accelerator, ATinyLoopLimitGivesTcg) {
  const auto choice = choose_accelerator(Accelerator::kAuto, kQemu, {.loop_limit = 1ms});
  EXPECT_EQ(choice.accel, Accelerator::kTcg) << choice.reason;
  if (kvm_opens()) {
    EXPECT_TRUE(contains(choice.reason, "KVM needed more than 0.001 s for 100000 VM exits"))
        << choice.reason;
  } else {
    EXPECT_TRUE(contains(choice.reason, "/dev/kvm cannot be opened")) << choice.reason;
  }
  EXPECT_FALSE(choice.from_cache);
}

TEST(Accelerator, AHugeLoopLimitGivesKvmWhenDevKvmOpens) {
  const auto choice = choose_accelerator(Accelerator::kAuto, kQemu, {.loop_limit = 60s});
  if (kvm_opens()) {
    EXPECT_EQ(choice.accel, Accelerator::kKvm) << choice.reason;
    EXPECT_TRUE(contains(choice.reason, "KVM ran 100000 VM exits in")) << choice.reason;
  } else {
    EXPECT_EQ(choice.accel, Accelerator::kTcg) << choice.reason;
    EXPECT_TRUE(contains(choice.reason, "/dev/kvm cannot be opened")) << choice.reason;
  }
}

TEST(Accelerator, ExplicitChoicesAreTakenWithoutAProbe) {
  const auto kvm = choose_accelerator(Accelerator::kKvm, "/nonexistent/qemu");
  EXPECT_EQ(kvm.accel, Accelerator::kKvm);
  EXPECT_EQ(kvm.reason, "KVM requested");
  const auto tcg = choose_accelerator(Accelerator::kTcg, "/nonexistent/qemu");
  EXPECT_EQ(tcg.accel, Accelerator::kTcg);
  EXPECT_EQ(tcg.reason, "TCG requested");
}

TEST(Accelerator, AQemuThatCannotStartGivesTcgWithItsExit) {
  if (!kvm_opens()) GTEST_SKIP() << "the probe only starts QEMU when /dev/kvm opens";
  const auto choice = choose_accelerator(Accelerator::kAuto, "/bin/false", {.loop_limit = 60s});
  EXPECT_EQ(choice.accel, Accelerator::kTcg);
  EXPECT_TRUE(contains(choice.reason, "QEMU with KVM exited with status 1")) << choice.reason;
}

class AcceleratorCache : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!kvm_opens()) GTEST_SKIP() << "without /dev/kvm there is no probe verdict to cache";
  }
  PrivateFolder dir_{"accel-cache-test"};
  fs::path file() const { return dir_ / "accel-probe.json"; }
};

TEST_F(AcceleratorCache, TheSecondChoiceThisBootComesFromTheCache) {
  const KvmProbeLimits limits{.loop_limit = 1ms};
  const auto first = choose_accelerator(Accelerator::kAuto, kQemu, limits, dir_.path());
  EXPECT_FALSE(first.from_cache);
  ASSERT_TRUE(fs::exists(file()));
  const auto second = choose_accelerator(Accelerator::kAuto, kQemu, limits, dir_.path());
  EXPECT_TRUE(second.from_cache) << second.reason;
  EXPECT_EQ(second.accel, first.accel);
  EXPECT_TRUE(contains(second.reason, first.reason)) << second.reason;
  EXPECT_TRUE(contains(second.reason, "probed earlier this boot")) << second.reason;

  // Another loop limit is another question: probed afresh, then cached beside the first.
  const auto other =
      choose_accelerator(Accelerator::kAuto, kQemu, {.loop_limit = 2ms}, dir_.path());
  EXPECT_FALSE(other.from_cache);
  std::ifstream in(file());
  const auto json = nlohmann::json::parse(in);
  EXPECT_EQ(json.at("verdicts").size(), 2u) << json.dump();
}

TEST_F(AcceleratorCache, AVerdictFromAnotherBootIsNotUsed) {
  const KvmProbeLimits limits{.loop_limit = 1ms};
  choose_accelerator(Accelerator::kAuto, kQemu, limits, dir_.path());
  nlohmann::json json;
  {
    std::ifstream in(file());
    json = nlohmann::json::parse(in);
  }
  ASSERT_FALSE(json.at("boot_id").get<std::string>().empty());
  json["boot_id"] = "00000000-0000-0000-0000-000000000000";
  std::ofstream(file()) << json.dump();
  const auto again = choose_accelerator(Accelerator::kAuto, kQemu, limits, dir_.path());
  EXPECT_FALSE(again.from_cache) << again.reason;
}

TEST_F(AcceleratorCache, ADamagedCacheIsIgnoredAndRewritten) {
  std::ofstream(file()) << "{ not json";
  const auto choice =
      choose_accelerator(Accelerator::kAuto, kQemu, {.loop_limit = 1ms}, dir_.path());
  EXPECT_FALSE(choice.from_cache);
  std::ifstream in(file());
  EXPECT_TRUE(nlohmann::json::parse(in, nullptr, false).is_object());
}

TEST(AcceleratorOverride, ParseNamesTheSourceOfABadValue) {
  EXPECT_EQ(parse_accelerator("auto", "x"), Accelerator::kAuto);
  EXPECT_EQ(parse_accelerator("kvm", "x"), Accelerator::kKvm);
  EXPECT_EQ(parse_accelerator("tcg", "x"), Accelerator::kTcg);
  try {
    parse_accelerator("hvf", "--accel");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "--accel")) << e.what();
    EXPECT_TRUE(contains(e.what(), "expected an accelerator auto, kvm or tcg, found 'hvf'"))
        << e.what();
  }
}

TEST(AcceleratorOverride, HurdleAccelIsReadFromTheEnvironment) {
  ::unsetenv("HURDLE_ACCEL");
  EXPECT_FALSE(accelerator_from_environment().has_value());
  ::setenv("HURDLE_ACCEL", "tcg", 1);
  EXPECT_EQ(accelerator_from_environment(), Accelerator::kTcg);
  ::setenv("HURDLE_ACCEL", "fast", 1);
  EXPECT_THROW(accelerator_from_environment(), ConfigError);
  ::unsetenv("HURDLE_ACCEL");
}

MachineOptions gnumach_options(const std::string& test_name) {
  MachineOptions o = test::machine_options(test_name);
  o.accel.reset();           // these tests are about where the choice comes from
  o.cache_dir = fs::path();  // and must not depend on an earlier probe
  return o;
}

TEST(AcceleratorOverride, HurdleAccelOverridesTheProfileAndIsLogged) {
  // Guest: gnumach (its profile says auto).
  ::setenv("HURDLE_ACCEL", "tcg", 1);
  auto vm = Machine::from_profile("gnumach", gnumach_options("accel-env"));
  ::unsetenv("HURDLE_ACCEL");
  EXPECT_EQ(vm->accelerator().accel, Accelerator::kTcg);
  const auto& argv = vm->argv();
  const auto it = std::find(argv.begin(), argv.end(), "-accel");
  ASSERT_NE(it, argv.end());
  EXPECT_EQ(*(it + 1), "tcg");
  const fs::path log = vm->log_dir() / "machine.log";
  vm->crash();  // the guest does not matter here; no need to wait for a powerdown
  vm.reset();
  EXPECT_TRUE(contains(read_file(log), "accelerator: TCG requested")) << read_file(log);
}

TEST(AcceleratorOverride, TheOptionWinsOverHurdleAccel) {
  // Guest: gnumach. HURDLE_ACCEL says kvm, the option (--accel) says tcg.
  ::setenv("HURDLE_ACCEL", "kvm", 1);
  auto options = gnumach_options("accel-option");
  options.accel = Accelerator::kTcg;
  auto vm = Machine::from_profile("gnumach", options);
  ::unsetenv("HURDLE_ACCEL");
  EXPECT_EQ(vm->accelerator().accel, Accelerator::kTcg);
  EXPECT_EQ(vm->accelerator().reason, "TCG requested");
  vm->crash();
}

}  // namespace
}  // namespace hurdle
