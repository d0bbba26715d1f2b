// The boot cache's key, as templates travel: the same profile and files in another folder (another
// runner, another cache) give the same key; the CPU model is part of it (and the host's CPU
// for `host` under KVM); a secret's value never appears in the inputs kept beside a template;
// and a key with no template says which inputs differ from the suite's newest one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/private_folder.hpp"
#include "engine/boot_cache.hpp"
#include "machine/saved_machine.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A profile with a disk and a kernel in `folder`, the same bytes wherever it is made.
fs::path write_machine(const fs::path& folder, const std::string& cpu = "") {
  fs::create_directories(folder);
  test::write_random_file(folder / "disk.img", 64 * 1024, 7);
  test::write_random_file(folder / "vmlinuz", 16 * 1024, 8);
  std::ofstream(folder / "m.yaml")
      << "name: m\nmachine: pc\nmemory: 64M\n"
      << (cpu.empty() ? "" : "cpu: " + cpu + "\n")
      << "disks:\n  - { name: d, file: disk.img, format: raw, interface: ide }\n"
         "boot:\n  kernel: vmlinuz\n";
  return folder / "m.yaml";
}

Suite suite_named(const std::string& name) {
  Suite s;
  s.name = name;
  return s;
}

TEST(TemplateKey, TheSameMachineElsewhereHasTheSameKey) {
  PrivateFolder dir("key");
  const Suite s = suite_named("s");
  const auto here = template_key(s, load_machine_profile(write_machine(dir / "runner-a")),
                                 Accelerator::kTcg, dir / "digests-a");
  const auto there = template_key(s, load_machine_profile(write_machine(dir / "runner-b")),
                                  Accelerator::kTcg, dir / "digests-b");
  EXPECT_EQ(here.hex, there.hex) << here.inputs.dump(1) << "\n" << there.inputs.dump(1);
  EXPECT_THAT(here.inputs.dump(), ::testing::Not(HasSubstr((dir / "runner-a").string())));
  EXPECT_EQ(here.inputs["cpu"]["model"], "qemu-default");
}

TEST(TemplateKey, TheCpuModelAndAHostCpuUnderKvmAreInTheKey) {
  PrivateFolder dir("key");
  const Suite s = suite_named("s");
  const auto plain = template_key(s, load_machine_profile(write_machine(dir / "a")),
                                  Accelerator::kKvm, dir / "digests");
  const auto host = template_key(s, load_machine_profile(write_machine(dir / "b", "host")),
                                 Accelerator::kKvm, dir / "digests");
  const auto max_tcg = template_key(s, load_machine_profile(write_machine(dir / "c", "max")),
                                    Accelerator::kTcg, dir / "digests");
  EXPECT_NE(plain.hex, host.hex);
  EXPECT_EQ(host.inputs["cpu"]["model"], "host");
  ASSERT_TRUE(host.inputs["cpu"].contains("host"));  // this host's CPU: another one rebuilds
  EXPECT_FALSE(host.inputs["cpu"]["host"]["flags_sha256"].get<std::string>().empty());
  EXPECT_FALSE(max_tcg.inputs["cpu"].contains("host"));  // TCG's `max` is QEMU's, not the host's
  EXPECT_FALSE(plain.inputs["cpu"].contains("host"));
}

TEST(TemplateKey, ASecretsValueIsNeverInTheInputs) {
  PrivateFolder dir("key");
  Suite s = suite_named("s");
  s.variables = {{"token", "s3cr3t-value"}, {"plain", "visible"}};
  s.secrets = {"s3cr3t-value"};
  const auto key = template_key(s, load_machine_profile(write_machine(dir / "a")),
                                Accelerator::kTcg, dir / "digests");
  EXPECT_THAT(key.inputs.dump(), ::testing::Not(HasSubstr("s3cr3t-value")));
  EXPECT_THAT(key.inputs["suite"]["variables"]["token"].get<std::string>(),
              ::testing::StartsWith("secret sha256:"));
  EXPECT_EQ(key.inputs["suite"]["variables"]["plain"], "visible");
  Suite other = s;
  other.variables["token"] = "another-secret";
  other.secrets = {"another-secret"};
  EXPECT_NE(template_key(other, load_machine_profile(write_machine(dir / "a")), Accelerator::kTcg,
                         dir / "digests")
                .hex,
            key.hex);  // a new secret is a new template
}

TEST(TemplateKey, AMissSaysWhichInputsDifferFromTheSuitesTemplate) {
  PrivateFolder dir("key");
  const Suite s = suite_named("s");
  const auto made = template_key(s, load_machine_profile(write_machine(dir / "a")),
                                 Accelerator::kTcg, dir / "digests");
  const auto wanted = template_key(s, load_machine_profile(write_machine(dir / "b", "max")),
                                   Accelerator::kTcg, dir / "digests");
  const BootCache cache(dir / "templates", BootCache::RamPlace::kCacheFolder, dir / "shm");
  EXPECT_EQ(cache.explain_miss(wanted, "s"), "");  // nothing to compare with
  // The template `made` describes, as the boot cache keeps one.
  const fs::path folder = cache.folder(made.hex);
  fs::create_directories(folder);
  std::ofstream(folder / "key-inputs.json") << made.inputs.dump(2);
  std::ofstream(folder / "template.json") << nlohmann::json{{"suite", "s"}}.dump();
  std::ofstream(dir / "ram") << "r";
  SavedMachine m;
  m.machine = "m";
  m.ram = dir / "ram";
  m.state = "machine.state";
  m.saved_at = "2026-12-05T00:00:00Z";
  m.write(folder);
  const std::string why = cache.explain_miss(wanted, "s");
  EXPECT_THAT(why, HasSubstr("the template " + made.hex.substr(0, 16) + " of suite s"));
  EXPECT_THAT(why, HasSubstr("cpu.model (\"max\" here, \"qemu-default\" in it)"));
  EXPECT_EQ(cache.explain_miss(wanted, "another-suite"), "");
}

}  // namespace
}  // namespace hurdle
