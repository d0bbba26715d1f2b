// Template packs without QEMU: a template's folder and its sparse RAM file packed in one boot
// cache and unpacked in another (another runner): the same bytes, the RAM's holes still holes
// and not stored in the pack, the manifest pointing at the new RAM file; and packs that are
// hostile or damaged refused, naming the pack and what was expected, leaving nothing behind.
#include "pack/template_pack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "disk/sparse_file.hpp"
#include "machine/saved_machine.hpp"
#include "pack/pack_manifest.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr std::uint64_t kRam = 64 << 20;
constexpr const char* kSecret = "a secret of the user's, 32 bytes";

// A qcow2 file of 1 MiB over `base` (raw), made by qemu-img without opening `base`, with
// qemu-img's `options` (-o) if any.
void make_qcow2(const fs::path& file, const fs::path& base, const std::string& options = {}) {
  std::vector<std::string> argv = {"qemu-img", "create", "-q", "-f", "qcow2", "-u"};
  if (!base.empty()) argv.insert(argv.end(), {"-F", "raw", "-b", base.string()});
  if (!options.empty()) argv.insert(argv.end(), {"-o", options});
  argv.insert(argv.end(), {file.string(), "1M"});
  const auto made = run_program(argv);
  ASSERT_TRUE(made.ok()) << made.err;
}

// A template as Machine::save_template leaves one, in `cache`; returns its key.
std::string make_template(const BootCache& cache, const fs::path& ram) {
  const nlohmann::json inputs = {{"format", 2},
                                 {"argv", {"qemu-system-x86_64", "-m", "64"}},
                                 {"suite", {{"provision", "echo hi"}}}};
  const std::string key = text_digest(inputs.dump()).hex;
  const fs::path folder = cache.folder(key);
  fs::create_directories(folder);
  std::ofstream(folder / "key-inputs.json") << inputs.dump(2) << "\n";
  std::ofstream(folder / "template.json") << nlohmann::json{{"suite", "s"}, {"key", key}}.dump();
  std::ofstream(folder / "variables.json") << "{\"a\": \"b\"}\n";
  test::write_random_file(folder / "machine.state", 300000, 1);
  make_qcow2(folder / "hd0.qcow2", "/elsewhere/disk.img");
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
  PrivateFolder dir{"pack"};
  BootCache here{dir / "here/templates", BootCache::RamPlace::kShm, dir / "here-shm"};
  BootCache there{dir / "there/templates", BootCache::RamPlace::kCacheFolder, dir / "unused"};
};

TEST_F(TwoRunners, APackedTemplateUnpacksOnAnotherRunnerWithItsHolesAndBytes) {
  fs::create_directories(dir / "here-shm");
  const std::string key = make_template(here, dir / "here-shm" / "the.ram");
  const PackedTemplate p = pack_template(here, key, dir / "out" / "t.tar.zst", kSecret);
  EXPECT_TRUE(p.signed_pack);
  EXPECT_EQ(p.ram_bytes, kRam);
  EXPECT_EQ(p.ram_data_bytes, 2u << 20);  // the cleared stretch and the hole are not data
  EXPECT_LT(p.pack_bytes, 1200000u);      // random state and disk, 2 MiB of 'x', no zeros
  EXPECT_FALSE(fs::exists(dir / "out" / ("t.tar.zst.tmp-" + std::to_string(::getpid()))));
  // The guest's memory and its key: the user's alone.
  EXPECT_EQ(fs::status(p.file).permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);

  const UnpackedTemplate u = unpack_template(there, p.file, {kSecret});
  EXPECT_FALSE(u.already);
  EXPECT_TRUE(u.what.signed_pack);
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
  EXPECT_TRUE(unpack_template(there, p.file, {kSecret}).already);
}

// A pack written entry by entry, as a hostile one would be. `repeat`: the body that many times
// (a large entry without its bytes in memory).
struct Entry {
  Entry(std::string n, std::string b, unsigned t = AE_IFREG, std::string l = {})
      : name(std::move(n)), body(std::move(b)), type(t), link(std::move(l)) {}
  std::string name;
  std::string body;
  unsigned type;
  std::string link;
  std::uint64_t repeat = 1;
  [[nodiscard]] std::uint64_t size() const { return body.size() * repeat; }
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
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.type == AE_IFREG ? e.size() : 0));
    archive_write_header(a, entry);
    if (e.type == AE_IFREG)
      for (std::uint64_t i = 0; i < e.repeat; ++i)
        archive_write_data(a, e.body.data(), e.body.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

std::string digest_of(const Entry& e) {
  EntryDigest d;
  for (std::uint64_t i = 0; i < e.repeat; ++i) d.feed(i * e.body.size(), e.body);
  return d.finish(e.size());
}

// pack.json listing `entries` as they are (sizes and digests), under `key`.
std::string manifest_of(const std::string& key, const std::vector<Entry>& entries) {
  PackManifest m;
  m.key = key;
  for (const auto& e : entries) m.entries.push_back({e.name, e.size(), digest_of(e)});
  return m.text();
}

// A pack of `entries` with its manifest first, signed with `secret` unless it is empty.
std::vector<Entry> signed_pack(const std::string& key, std::vector<Entry> entries,
                               const std::string& secret = kSecret) {
  const std::string manifest = manifest_of(key, entries);
  std::vector<Entry> out = {{"pack.json", manifest}};
  if (!secret.empty()) out.emplace_back("pack.mac", pack_mac(secret, manifest));
  out.insert(out.end(), entries.begin(), entries.end());
  return out;
}

struct Hostile : TwoRunners {
  // RAM files on a folder of their own, as on tmpfs: a refusal must leave none there.
  BootCache there{dir / "there/templates", BootCache::RamPlace::kShm, dir / "there-shm"};

  void SetUp() override {
    fs::create_directories(dir / "here-shm");
    fs::create_directories(dir / "there-shm");
    fs::create_directories(dir / "there/templates");
    key = make_template(here, dir / "here-shm" / "the.ram");
    folder = here.folder(key);
    inputs = test::read_file(folder / "key-inputs.json");
  }
  // The genuine template's entries, in a pack's order, its RAM small and all data.
  [[nodiscard]] std::vector<Entry> genuine() const {
    std::vector<Entry> e = {
        {"template/key-inputs.json", inputs},
        {"template/saved-machine.json", test::read_file(folder / "saved-machine.json")},
        {"template/machine.state", test::read_file(folder / "machine.state")},
        {"template/hd0.qcow2", test::read_file(folder / "hd0.qcow2")},
        {"template/ssh-key", "key"},
        {"ram", std::string(1 << 20, 'r')}};
    e.back().repeat = kRam >> 20;
    return e;
  }
  // Unpacks `entries` as a pack and expects a refusal naming the pack and `expected`, in one
  // line, leaving nothing behind.
  void expect_refused(const std::vector<Entry>& entries, const std::string& expected,
                      const PackTrust& trust = {kSecret}) {
    const fs::path file = dir / ("bad-" + std::to_string(n_++) + ".tar.zst");
    write_pack(file, entries);
    expect_refused_file(file, expected, trust);
  }
  void expect_refused_file(const fs::path& file, const std::string& expected,
                           const PackTrust& trust = {kSecret}) {
    try {
      (void)unpack_template(there, file, trust);
      ADD_FAILURE() << "unpacked";
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr(file.string() + ": "));
      EXPECT_THAT(e.what(), HasSubstr(expected));
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir / "escape"));
    // Nothing is left in the cache (no template, no unfinished folder, no RAM file) or on the
    // RAM's folder.
    for (const auto& f : fs::directory_iterator(dir / "there/templates"))
      EXPECT_EQ(f.path().extension(), ".lock") << f.path();
    for (const auto& f : fs::directory_iterator(dir / "there-shm"))
      EXPECT_EQ(f.path().filename(), "owner") << f.path();  // the folder's owner, no RAM
  }
  std::string key;
  fs::path folder;
  std::string inputs;
  int n_ = 0;
};

TEST_F(Hostile, OnlyASignedPackOrOneTheUserTrustsIsRestored) {
  const PackedTemplate p = pack_template(here, key, dir / "signed.tar.zst", kSecret);
  const PackedTemplate plain = pack_template(here, key, dir / "unsigned.tar.zst", "");
  EXPECT_FALSE(plain.signed_pack);
  expect_refused_file(p.file, "does not match HURDLE_PACK_KEY", {"another secret, 32 bytes long"});
  expect_refused_file(p.file, "nothing here can check who wrote it: set HURDLE_PACK_KEY", {});
  expect_refused_file(plain.file, "it is not signed (no pack.mac)", {kSecret});
  // A signed pack under another key is refused even for a user who trusts unsigned packs.
  expect_refused_file(p.file, "does not match HURDLE_PACK_KEY", {"another secret, 32 bytes", true});
  // Trusted by the user's choice: an unsigned one, or a signed one without a key to check.
  EXPECT_FALSE(unpack_template(there, plain.file, {"", true}).what.signed_pack);
  there.discard(key);
  EXPECT_FALSE(unpack_template(there, p.file, {"", true}).what.signed_pack);
  there.discard(key);
  EXPECT_TRUE(unpack_template(there, p.file, {kSecret}).what.signed_pack);
}

TEST_F(Hostile, AForgedPackWithTheRightKeyButNoOrAWrongMacIsRefused) {
  // The key is the digest of inputs any genuine pack shows: a forger can give the right one.
  auto forged = genuine();
  forged[2].body = "the forger's device state";
  expect_refused(signed_pack(key, forged, ""), "it is not signed (no pack.mac)");
  expect_refused(signed_pack(key, forged, "the forger's guess at a secret"),
                 "its signature (pack.mac) does not match HURDLE_PACK_KEY");
}

TEST_F(Hostile, ACorrectMacOverAChangedEntryIsRefused) {
  auto e = signed_pack(key, genuine());
  e[4].body[0] ^= 1;  // the state, after its manifest was signed
  expect_refused(e, "its template/machine.state is not what its manifest says (digest differs)");
  e = signed_pack(key, genuine());
  e.back().body[5] = 's';  // the RAM: found as it streams, and its file removed
  expect_refused(e, "its ram is not what its manifest says");
}

TEST_F(Hostile, DisksWhoseHeadersNameAHostFileAreRefused) {
  const fs::path canary = dir / "canary";
  std::ofstream(canary) << "the host's secret\n";
  make_qcow2(dir / "backing.qcow2", canary);
  make_qcow2(dir / "data.qcow2", {}, "data_file=" + canary.string() + ",data_file_raw=on");
  auto e = genuine();
  e[3].body = test::read_file(dir / "backing.qcow2");
  expect_refused(signed_pack(key, e),
                 "its disk template/hd0.qcow2: a disk hurdle will not open: its backing file is '" +
                     canary.string() + "', not the base /elsewhere/disk.img");
  e[3].body = test::read_file(dir / "data.qcow2");
  expect_refused(signed_pack(key, e), "it keeps its data in another file (an external data file");
}

TEST_F(Hostile, BoundsAreCheckedBeforeAnythingIsWritten) {
  {
    // 1 GiB behind a key that is not the key inputs' digest: refused before a byte is written.
    auto e = genuine();
    e.back() = Entry{"ram", std::string(1 << 20, 'r')};
    e.back().repeat = 1024;
    expect_refused(signed_pack(std::string(64, 'c'), e), "is not the sha256 of the key inputs");
  }
  {
    // A RAM of 2 TiB: the key inputs say so, the key is theirs, and still it is refused.
    auto e = genuine();
    const nlohmann::json big = {{"format", 2}, {"argv", {"qemu", "-m", "2097152"}}};
    e[0].body = big.dump();
    e.back().repeat = 1;
    PackManifest m;
    m.key = text_digest(big.dump()).hex;
    for (const auto& x : e) m.entries.push_back({x.name, x.size(), digest_of(x)});
    m.entries.back().size = 2ULL << 40;
    auto pack = signed_pack(m.key, e);
    pack[0].body = m.text();
    pack[1].body = pack_mac(kSecret, pack[0].body);
    expect_refused(pack, "it lists ram of 2199023255552 bytes; at most 68719476736 are allowed");
  }
  {
    // The RAM must be the machine's memory exactly.
    auto e = genuine();
    e.back().repeat = 2;
    expect_refused(signed_pack(key, e), "its RAM has 2097152 bytes, not the machine's memory");
  }
  {
    // 20,000 entries, listed or not; or 100.
    auto e = genuine();
    std::vector<Entry> many(e.begin(), e.end() - 1);
    for (int i = 0; i < 20000; ++i)
      many.emplace_back("template/j" + std::to_string(i) + ".qcow2", "j");
    many.push_back(e.back());
    expect_refused(signed_pack(key, many),
                   "its entry pack.json has 3029921 bytes; at most 1048576 are allowed");
    many.erase(many.begin() + 106, many.end() - 1);
    expect_refused(signed_pack(key, many), "it lists 107 entries; a template has at most 64");
    const auto listed = signed_pack(key, genuine());
    std::vector<Entry> unlisted(listed.begin(), listed.begin() + 4);
    for (int i = 0; i < 20000; ++i) unlisted.emplace_back("template/j.qcow2", "j");
    unlisted.insert(unlisted.end(), listed.begin() + 4, listed.end());
    expect_refused(unlisted, "its entries are not the ones its manifest lists, in order");
    auto after = signed_pack(key, genuine());
    after.emplace_back("template/extra.qcow2", "j");
    expect_refused(after, "it holds an entry its manifest does not list: 'template/extra.qcow2'");
  }
  {
    // A 4 GiB state (the genuine one is 0.8 MB).
    auto e = signed_pack(key, genuine());
    const std::string manifest = e[0].body;
    PackManifest m = *[&] {
      std::string why;
      return PackManifest::parse(manifest, why);
    }();
    m.entries[2].size = 4ULL << 30;
    e[0].body = m.text();
    e[1].body = pack_mac(kSecret, e[0].body);
    expect_refused(e, "it lists template/machine.state of 4294967296 bytes; at most 268435456");
  }
  {
    // Key inputs a million arrays deep (2 MB): once a stack overflow; now a bound.
    auto e = genuine();
    e[0].body = "{\"x\": " + std::string(1000000, '[') + std::string(1000000, ']') + "}";
    expect_refused(signed_pack(key, e), "at most 1048576 are allowed");
    e[0].body = "{\"x\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
    expect_refused(signed_pack(key, e), "nests arrays and objects deeper than");
  }
  {
    auto e = signed_pack(key, genuine());
    e[0].body = std::string(100000, '{');
    expect_refused(e, "its pack.json: ");
  }
}

TEST_F(Hostile, ANameIsShownOnOneLineAndShort) {
  auto e = genuine();
  const std::string name = "template/x\n::error::pwned" + std::string(4000, 'y');
  e.insert(e.begin() + 1, Entry{name, "x"});
  expect_refused(signed_pack(key, e), "it lists 'template/x␊::error::pwnedyyy");
  try {
    auto p = signed_pack(key, e);
    write_pack(dir / "name.tar.zst", p);
    (void)unpack_template(there, dir / "name.tar.zst", {kSecret});
  } catch (const ConfigError& error) {
    EXPECT_LT(std::string(error.what()).size(), 400u);
  }
}

TEST_F(Hostile, LinksTraversalAndMissingPartsAreRefused) {
  {
    auto e = signed_pack(key, genuine());
    e.insert(e.begin() + 3, Entry{"template/link", "", AE_IFLNK, "/etc/passwd"});
    expect_refused(e, "'template/link' is not a regular file");
  }
  {
    auto e = genuine();
    e.insert(e.begin() + 1, Entry{"template/../../escape", "x"});
    expect_refused(signed_pack(key, e), "it lists 'template/../../escape', which is not a file");
  }
  {
    auto e = genuine();
    e.erase(e.begin() + 3);  // the disk the manifest names
    expect_refused(signed_pack(key, e),
                   "its manifest names 'hd0.qcow2', which is not a file of the pack");
  }
  {
    auto e = signed_pack(key, genuine());
    std::swap(e[0], e[2]);
    expect_refused(e, "its first entry is not pack.json");
  }
  {
    // A pinned host key of two lines would put a second key in the guest's known-hosts file.
    auto e = genuine();
    auto saved = nlohmann::json::parse(e[1].body);
    saved["ssh"]["host_key"] = "ssh-ed25519 SHA256:x\n[127.0.0.1]:22 ssh-ed25519 AAAA";
    e[1].body = saved.dump();
    expect_refused(signed_pack(key, e),
                   "its template/saved-machine.json: expected a pinned host key as 'TYPE "
                   "SHA256:FINGERPRINT', found 'ssh-ed25519 SHA256:x␊[127.0.0.1]");
  }
  std::ofstream(dir / "plain.txt") << "hello\n";
  expect_refused_file(dir / "plain.txt", "not a hurdle template pack");
}

}  // namespace
}  // namespace hurdle
