// Template packs without QEMU: a template's folder and its sparse RAM file packed in one boot
// cache and unpacked in another (another runner): the same bytes, the RAM's holes still holes
// and not stored in the pack, the manifest pointing at the new RAM file; and packs that are
// hostile or damaged refused, naming the pack and what was expected, leaving nothing behind.
#include "engine/template_pack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "image/sparse_file.hpp"
#include "machine/saved_machine.hpp"
#include "qemu/run_directory.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr std::uint64_t kRam = 64 << 20;

// A template as Machine::save_template leaves one, in `cache`; returns its key.
std::string make_template(const BootCache& cache, const fs::path& ram) {
  const nlohmann::json inputs = {{"format", 2}, {"suite", {{"provision", "echo hi"}}}};
  const std::string key = text_digest(inputs.dump()).hex;
  const fs::path folder = cache.folder(key);
  fs::create_directories(folder);
  std::ofstream(folder / "key-inputs.json") << inputs.dump(2) << "\n";
  std::ofstream(folder / "template.json") << nlohmann::json{{"suite", "s"}, {"key", key}}.dump();
  std::ofstream(folder / "variables.json") << "{\"a\": \"b\"}\n";
  test::write_random_file(folder / "machine.state", 300000, 1);
  test::write_random_file(folder / "hd0.qcow2", 200000, 2);
  std::ofstream(folder / "ssh-key") << "not really a key\n";
  {
    // 64 MiB of RAM: two stretches of data, one stretch the guest cleared (zeros, allocated),
    // the rest never touched (a hole).
    const int fd = ::open(ram.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    const std::string data(1 << 20, 'x');
    const std::string zeros(4 << 20, '\0');
    EXPECT_EQ(::pwrite(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
    EXPECT_EQ(::pwrite(fd, zeros.data(), zeros.size(), 8 << 20),
              static_cast<ssize_t>(zeros.size()));
    EXPECT_EQ(::pwrite(fd, data.data(), data.size(), 40 << 20), static_cast<ssize_t>(data.size()));
    EXPECT_EQ(::ftruncate(fd, kRam), 0);
    ::close(fd);
  }
  SavedMachine m;
  m.machine = "linux-mini";
  m.profile_file = "/somewhere/linux-mini.yaml";
  m.profile_sha256 = std::string(64, 'a');
  m.qemu_version = "QEMU emulator version 7.2.0";
  m.accelerator = "tcg";
  m.state = "machine.state";
  m.state_sha256 = file_digest(folder / "machine.state", DigestAlgorithm::kSha256).hex;
  m.ram = ram;
  m.ram_backend = true;
  SavedDisk d;
  d.node_name = "hd0";
  d.saved = "hd0.qcow2";
  d.base = "/elsewhere/disk.img";
  d.base_format = "raw";
  d.base_sha256 = std::string(64, 'b');
  m.disks.push_back(d);
  m.ssh_key = "ssh-key";
  m.write(folder);
  return key;
}

struct TwoRunners : ::testing::Test {
  RunDirectory dir{"pack"};
  BootCache here{dir / "here/templates", BootCache::RamPlace::kShm, dir / "here-shm"};
  BootCache there{dir / "there/templates", BootCache::RamPlace::kCacheFolder, dir / "unused"};
};

TEST_F(TwoRunners, APackedTemplateUnpacksOnAnotherRunnerWithItsHolesAndBytes) {
  fs::create_directories(dir / "here-shm");
  const std::string key = make_template(here, dir / "here-shm" / "the.ram");
  const PackedTemplate p = pack_template(here, key, dir / "out" / "t.tar.zst");
  EXPECT_EQ(p.ram_bytes, kRam);
  EXPECT_EQ(p.ram_data_bytes, 2u << 20);  // the cleared stretch and the hole are not data
  EXPECT_LT(p.pack_bytes, 1200000u);      // random state and disk, 2 MiB of 'x', no zeros
  EXPECT_FALSE(fs::exists(dir / "out" / ("t.tar.zst.tmp-" + std::to_string(::getpid()))));
  // The guest's memory and its key: the user's alone.
  EXPECT_EQ(fs::status(p.file).permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);

  const UnpackedTemplate u = unpack_template(there, p.file);
  EXPECT_FALSE(u.already);
  EXPECT_EQ(u.what.key, key);
  const fs::path folder = there.folder(key);
  for (const char* f :
       {"machine.state", "hd0.qcow2", "ssh-key", "key-inputs.json", "variables.json"})
    EXPECT_EQ(test::sha256_of(folder / f), test::sha256_of(here.folder(key) / f)) << f;
  const SavedMachine m = SavedMachine::read(folder);
  EXPECT_EQ(m.ram, dir / "there/templates" / (key + ".ram"));  // where this cache keeps RAM
  EXPECT_EQ(test::sha256_of(m.ram), test::sha256_of(dir / "here-shm" / "the.ram"));
  const FileExtent extent = file_extent(m.ram);
  EXPECT_EQ(extent.apparent, kRam);
  EXPECT_LE(extent.allocated, 3u << 20);  // 2 MiB of data: the rest is holes
  EXPECT_EQ(fs::status(folder / "hd0.qcow2").permissions() & fs::perms::owner_write,
            fs::perms::none);                            // frozen, as it was
  EXPECT_EQ(m.disks.at(0).base, "/elsewhere/disk.img");  // a run points it at its own base

  // Unpacking again keeps the template that is there.
  EXPECT_TRUE(unpack_template(there, p.file).already);
}

// A pack written entry by entry, as a hostile one would be.
struct Entry {
  Entry(std::string n, std::string b, unsigned t = AE_IFREG, std::string l = {})
      : name(std::move(n)), body(std::move(b)), type(t), link(std::move(l)) {}
  std::string name;
  std::string body;
  unsigned type;
  std::string link;
};

void write_pack(const fs::path& file, const std::vector<Entry>& entries) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  archive_write_add_filter_zstd(a);
  ASSERT_EQ(archive_write_open_filename(a, file.c_str()), ARCHIVE_OK);
  for (const auto& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, 0600);
    if (!e.link.empty()) archive_entry_set_symlink(entry, e.link.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.type == AE_IFREG ? e.body.size() : 0));
    archive_write_header(a, entry);
    if (e.type == AE_IFREG) archive_write_data(a, e.body.data(), e.body.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

TEST_F(TwoRunners, HostileAndDamagedPacksAreRefusedAndLeaveNothing) {
  fs::create_directories(dir / "here-shm");
  const std::string key = make_template(here, dir / "here-shm" / "the.ram");
  const fs::path folder = here.folder(key);
  const std::string info = nlohmann::json{{"format", 1}, {"key", key}}.dump();
  const std::string inputs = test::read_file(folder / "key-inputs.json");
  const std::string manifest = test::read_file(folder / "saved-machine.json");
  const auto good = [&] {
    return std::vector<Entry>{{"pack.json", info},
                              {"template/key-inputs.json", inputs},
                              {"template/saved-machine.json", manifest},
                              {"template/machine.state", "state"},
                              {"template/hd0.qcow2", "disk"},
                              {"template/ssh-key", "key"},
                              {"ram", std::string(4096, 'r')}};
  };
  struct Case {
    const char* what;
    std::vector<Entry> entries;
    const char* expected;
  };
  std::vector<Case> cases;
  {
    auto e = good();
    e.insert(e.begin() + 1, Entry{"template/../../escape", "x"});
    cases.push_back(
        {"a path out of the folder", e, "'template/../../escape' is not template/NAME"});
  }
  {
    auto e = good();
    e.insert(e.begin() + 1, Entry{"template/link", "", AE_IFLNK, "/etc/passwd"});
    cases.push_back({"a symlink", e, "'template/link' is not a regular file"});
  }
  {
    auto e = good();
    e[0].body = nlohmann::json{{"format", 1}, {"key", std::string(64, 'c')}}.dump();
    cases.push_back({"a key that is not its own", e, "is not the sha256 of the key inputs"});
  }
  {
    auto e = good();
    e.pop_back();
    cases.push_back({"no RAM", e, "it has no ram entry"});
  }
  {
    auto e = good();
    e.erase(e.begin() + 4);  // the disk the manifest names
    cases.push_back({"a disk the manifest names is missing", e,
                     "its manifest names 'hd0.qcow2', which is not a file of the pack"});
  }
  {
    auto e = good();
    std::swap(e[0], e[1]);
    cases.push_back({"no pack.json first", e, "its first entry is not pack.json"});
  }
  {
    // 2 MB nested a million arrays deep: once a stack overflow in the JSON serializer.
    auto e = good();
    e[1].body = "{\"x\": " + std::string(1000000, '[') + std::string(1000000, ']') + "}";
    cases.push_back({"key inputs a million arrays deep", e,
                     "its template/key-inputs.json: it nests arrays and objects deeper than"});
  }
  {
    auto e = good();
    e[0].body = std::string(100000, '{');
    cases.push_back({"pack.json deeply nested", e, "pack.json is not {format: 1, key: ...}"});
  }
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const fs::path file = dir / ("bad-" + std::to_string(n++) + ".tar.zst");
    write_pack(file, c.entries);
    try {
      (void)unpack_template(there, file);
      ADD_FAILURE() << "unpacked";
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr(file.string() + ": not a hurdle template pack: "));
      EXPECT_THAT(e.what(), HasSubstr(c.expected));
    }
    EXPECT_FALSE(fs::exists(dir / "escape"));
  }
  // Nothing is left in the cache: no template, no unfinished folder, no RAM file.
  for (const auto& f : fs::directory_iterator(dir / "there/templates"))
    EXPECT_EQ(f.path().extension(), ".lock") << f.path();

  std::ofstream(dir / "plain.txt") << "hello\n";
  EXPECT_THROW((void)unpack_template(there, dir / "plain.txt"), ConfigError);
}

}  // namespace
}  // namespace hurdle
