// What the JUnit file says of a suite comes from the facts the engine told, by a pure
// conversion: the same facts give the same properties, whoever ran the scenarios and however
// many machines there were; facts told again replace what was said, never add to it.
#include "run/run_recorder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "core/private_folder.hpp"

namespace hurdle {
namespace {

using Properties = std::vector<std::pair<std::string, std::string>>;

MachineFacts two_disk_machine() {
  MachineFacts m;
  m.qemu_version = "7.2.19";
  m.accelerator = {Accelerator::kTcg, "asked for tcg", false};
  DiskSpec system;
  system.node_name = "hd0";
  system.file = "/cache/images/debian/disk.qcow2";
  DiskSpec scratch;
  scratch.node_name = "scratch";
  scratch.file = "/work/scratch.img";
  m.profile.disks = {system, scratch};
  PreparedImage prepared;
  prepared.name = "debian-hurd-20250807";
  prepared.disk = system.file;
  prepared.url = "https://cdimage.debian.org/cdimage/ports/13.0/hurd-amd64/debian-hurd.img.tar.xz";
  prepared.artifact = {DigestAlgorithm::kSha512, std::string(128, 'a')};
  prepared.recipe = {DigestAlgorithm::kSha256, std::string(64, 'b')};
  prepared.disk_sha256 = {DigestAlgorithm::kSha256, std::string(64, 'c')};
  prepared.pinned = true;
  m.profile.prepared_image = prepared;
  return m;
}

TEST(SuiteProperties, AreWhatTheFactsSayInOneOrder) {
  SuiteFacts facts;
  facts.reset = Suite::Reset::kClone;
  facts.reset_reason = "the default where the machine allows";
  facts.boot_cache = "used";
  facts.machine = two_disk_machine();
  facts.image_sha256["scratch"] = std::string(64, 'd');
  const Properties expected = {
      {"reset", "clone"},
      {"reset.reason", "the default where the machine allows"},
      {"boot_cache", "used"},
      {"qemu.version", "7.2.19"},
      {"accelerator", "tcg"},
      {"accelerator.reason", "asked for tcg"},
      {"architecture", "x86_64"},
      {"image.hd0", "/cache/images/debian/disk.qcow2"},
      {"image.hd0.lock_entry", "debian-hurd-20250807"},
      {"image.hd0.url",
       "https://cdimage.debian.org/cdimage/ports/13.0/hurd-amd64/debian-hurd.img.tar.xz"},
      {"image.hd0.artifact", "sha512:" + std::string(128, 'a')},
      {"image.hd0.pinned", "true"},
      {"image.hd0.recipe", "sha256:" + std::string(64, 'b')},
      {"image.hd0.sha256", std::string(64, 'c')},
      {"image.scratch", "/work/scratch.img"},
      {"image.scratch.sha256", std::string(64, 'd')},
  };
  EXPECT_EQ(suite_properties(facts), expected);
}

TEST(SuiteProperties, BeforeAMachineRanOnlyTheResetIsKnown) {
  SuiteFacts facts;
  facts.reset = Suite::Reset::kSnapshot;
  facts.reset_reason = "snapshot instead of clone: no qcow2";
  const Properties expected = {{"reset", "snapshot"},
                               {"reset.reason", "snapshot instead of clone: no qcow2"}};
  EXPECT_EQ(suite_properties(facts), expected);
  // A digest the engine could not take is said so, not left out.
  facts.machine = two_disk_machine();
  facts.machine->profile.prepared_image.reset();
  facts.image_sha256["hd0"] = "unavailable: permission denied";
  const Properties p = suite_properties(facts);
  EXPECT_THAT(p, ::testing::Contains(std::pair<std::string, std::string>(
                     "image.hd0.sha256", "unavailable: permission denied")));
  EXPECT_THAT(p, ::testing::Contains(std::pair<std::string, std::string>(
                     "image.scratch.sha256", "unavailable: not hashed")));
}

TEST(RunRecorder, FactsToldAgainReplaceTheSuitesPropertiesInTheJunitFile) {
  PrivateFolder dir("recorder");
  RunRecorder recorder(dir / "junit.xml");
  Suite suite;
  suite.name = "s";
  suite.file = "s.yaml";
  suite.machine = "linux-mini";
  Scenario a;
  a.name = "a";
  recorder.plan(suite, a);
  SuiteFacts facts;
  facts.reset_reason = "the default where the machine allows";
  recorder.suite_facts(suite, facts);  // the boot failed: no machine yet
  facts.machine = two_disk_machine();
  facts.image_sha256["scratch"] = std::string(64, 'd');
  recorder.suite_facts(suite, facts);  // a later boot worked
  ScenarioResult r;
  r.status = Verdict::kPassed;
  r.attempts = 1;
  recorder.scenario_finished(suite, a, r);

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file((dir / "junit.xml").c_str()));
  Properties written;
  for (const auto& p : doc.select_nodes("//testsuite[@name='s']/properties/property"))
    written.emplace_back(p.node().attribute("name").value(), p.node().attribute("value").value());
  Properties expected = {{"hurdle.version", written.at(0).second},
                         {"suite.file", "s.yaml"},
                         {"profile", "linux-mini"}};
  for (auto& p : suite_properties(facts)) expected.push_back(p);
  // The writer adds the suite's boot time after them.
  ASSERT_GE(written.size(), expected.size());
  written.resize(expected.size());
  EXPECT_EQ(written, expected);
  EXPECT_EQ(doc.select_nodes("//testcase[@name='a']/failure|//testcase[@name='a']/error").size(),
            0u);
}

}  // namespace
}  // namespace hurdle
