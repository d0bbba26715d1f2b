// The checks a resume makes before it starts anything: the profile is the one the machine was
// saved with (by sha256, where it was or found by name), and each overlay disk was saved over
// the same base. Each mismatch names the files and what differs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "machine/saved_machine.hpp"
#include "qemu/image_digest.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SavedMachineChecks : public ::testing::Test {
 protected:
  fs::path write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }
  static std::string sha256(const fs::path& f) {
    return file_digest(f, DigestAlgorithm::kSha256).hex;
  }
  MachineProfile profile_over(const fs::path& base) {
    MachineProfile p;
    p.name = "m1";
    p.source = dir_.path() / "profiles" / "m1.yaml";
    DiskSpec d;
    d.node_name = "disk0";
    d.file = base;
    d.mode = DiskSpec::Mode::kOverlay;
    p.disks.push_back(d);
    return p;
  }

  PrivateFolder dir_{"saved-machine-test"};
};

TEST_F(SavedMachineChecks, TheProfileIsFoundWhereItWasOrByNameWithTheSavedDigest) {
  const fs::path here = write(dir_.path() / "profiles" / "m1.yaml", "name: m1\n");
  SavedMachine saved;
  saved.machine = "m1";
  saved.profile_file = dir_.path() / "elsewhere" / "m1.yaml";  // gone on this host
  saved.profile_sha256 = sha256(here);
  EXPECT_EQ(saved.find_profile(dir_.path() / "saved", {dir_.path() / "profiles"}), here);
  saved.profile_file = here;
  EXPECT_EQ(saved.find_profile(dir_.path() / "saved", {}), here);
}

TEST_F(SavedMachineChecks, AnotherProfileTextIsRefusedNamingBothDigests) {
  const fs::path here = write(dir_.path() / "profiles" / "m1.yaml", "name: m1\nmemory: 1G\n");
  SavedMachine saved;
  saved.machine = "m1";
  saved.profile_file = here;
  saved.profile_sha256 = std::string(64, 'a');
  try {
    (void)saved.find_profile(dir_.path() / "saved", {dir_.path() / "profiles"});
    FAIL() << "another profile was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().file, dir_.path() / "saved" / SavedMachine::kManifest);
    EXPECT_THAT(e.problem(), HasSubstr("saved with another profile m1 (sha256 aaaa"));
    EXPECT_THAT(e.problem(), HasSubstr(here.string() + " has sha256 " + sha256(here)));
  }
}

TEST_F(SavedMachineChecks, EachOverlayDiskMustHaveBeenSavedOverTheSameBase) {
  const fs::path base = write(dir_.path() / "base.img", "the base disk");
  const fs::path cache = dir_.path() / "cache";
  SavedMachine saved;
  SavedDisk disk;
  disk.node_name = "disk0";
  disk.saved = "disk0.qcow2";
  disk.base_sha256 = image_sha256(base, cache);
  saved.disks.push_back(disk);
  EXPECT_NO_THROW(saved.check_bases(dir_.path() / "saved", profile_over(base), cache));

  write(base, "another base disk");  // changed since (a newer size and time: digested anew)
  try {
    saved.check_bases(dir_.path() / "saved", profile_over(base), cache);
    FAIL() << "a changed base was accepted";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("disk disk0 was saved over a base with sha256 " + disk.base_sha256));
  }

  saved.disks.clear();
  try {
    saved.check_bases(dir_.path() / "saved", profile_over(base), cache);
    FAIL() << "a disk the saved machine does not have was accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.problem(), HasSubstr("the saved machine has no disk 'disk0'"));
  }
}

TEST_F(SavedMachineChecks, ALockImageMustBeTheSameEntryArtifactAndRecipe) {
  const fs::path base = write(dir_.path() / "prepared.qcow2", "prepared");
  SavedMachine saved;
  SavedDisk disk;
  disk.node_name = "disk0";
  disk.lock_entry = "debian-hurd";
  disk.artifact = "sha512:aa";
  disk.recipe = "sha256:bb";
  saved.disks.push_back(disk);
  MachineProfile p = profile_over(base);
  try {
    saved.check_bases(dir_.path() / "saved", p, dir_.path() / "cache");
    FAIL() << "a disk over a lock image was accepted without one";
  } catch (const ImageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("was saved over image debian-hurd"));
    EXPECT_THAT(e.what(), HasSubstr("this host's is no lock image"));
  }
}

// The pinned host key goes into the guest's known-hosts file as one line: a manifest (from a
// pack, say) that puts more there is refused.
TEST_F(SavedMachineChecks, APinnedHostKeyIsOneKeyOnOneLine) {
  SavedMachine m;
  m.machine = "m1";
  m.host_key = "ssh-ed25519 SHA256:HP61cq6F6byrB4CD1sZkLK24wBjjsTMErRzvfWDW6zE";
  const fs::path folder = dir_.path() / "pinned";
  fs::create_directories(folder);
  m.write(folder);
  EXPECT_EQ(SavedMachine::read(folder).host_key, m.host_key);
  m.host_key += "\n[127.0.0.1]:22 ssh-ed25519 AAAA...";
  m.write(folder);
  try {
    (void)SavedMachine::read(folder);
    FAIL() << "a host key of two lines was read";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("expected a pinned host key as 'TYPE SHA256:FINGERPRINT'"));
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace hurdle
