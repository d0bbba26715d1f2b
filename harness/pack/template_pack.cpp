#include "pack/template_pack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <vector>

#include <re2/re2.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/unique_fd.hpp"
#include "disk/qcow2_header.hpp"
#include "disk/sparse_file.hpp"
#include "machine/saved_machine.hpp"
#include "pack/pack_manifest.hpp"
#include "qemu/disk_overlay.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kPiece = 1 << 20;
constexpr std::uint64_t kZeroBlock = 64 * 1024;

using WritePtr = std::unique_ptr<struct archive, decltype(&archive_write_free)>;
using ReadPtr = std::unique_ptr<struct archive, decltype(&archive_read_free)>;
using EntryPtr = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

std::string archive_error(struct archive* a) {
  const char* e = archive_error_string(a);
  return e != nullptr ? e : "unknown error";
}

struct Extent {
  std::uint64_t offset;
  std::uint64_t length;
};

// The parts of `fd` (of `size` bytes) that hold data: the file system's data regions, less
// the 64 KiB blocks in them that are all zeros (RAM the guest touched and cleared).
std::vector<Extent> data_extents(int fd, std::uint64_t size, const fs::path& file) {
  std::vector<Extent> out;
  std::vector<char> buffer(kZeroBlock);
  auto add = [&](std::uint64_t at, std::uint64_t n) {
    if (!out.empty() && out.back().offset + out.back().length == at)
      out.back().length += n;
    else
      out.push_back({at, n});
  };
  off_t at = 0;
  while (static_cast<std::uint64_t>(at) < size) {
    const off_t data = ::lseek(fd, at, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole after `at`
      throw HostError(file.string() + ": cannot look for its data: " + std::strerror(errno));
    }
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0) hole = static_cast<off_t>(size);
    for (off_t block = data; block < hole;) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<off_t>(static_cast<off_t>(kZeroBlock), hole - block));
      const ssize_t got = ::pread(fd, buffer.data(), n, block);
      if (got <= 0)
        throw HostError(file.string() +
                        ": cannot read: " + (got < 0 ? std::strerror(errno) : "it ended early"));
      if (!all_zero(buffer.data(), static_cast<std::size_t>(got)))
        add(static_cast<std::uint64_t>(block), static_cast<std::uint64_t>(got));
      block += got;
    }
    at = hole;
  }
  return out;
}

// One entry of a pack being written: a text, a file, or the sparse RAM file (its data
// extents found once, for its digest and for the archive).
struct Source {
  std::string name;
  std::string text;  // a text entry's bytes (pack.json, pack.mac)
  fs::path file;     // else the file it is read from
  bool sparse = false;
  std::uint64_t size = 0;
  std::vector<Extent> extents;  // of a sparse one
};

// Calls `use(offset, data)` for each piece of `s`'s data, in order (a sparse one: only its
// extents). Throws HostError when the file cannot be read or is not as it was.
template <typename Use>
void read_source(const Source& s, Use&& use) {
  if (s.file.empty()) {
    use(0, std::string_view(s.text));
    return;
  }
  UniqueFd fd(::open(s.file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw HostError("cannot read " + s.file.string() + ": " + std::strerror(errno));
  const std::vector<Extent> whole = {{0, s.size}};
  std::vector<char> buffer(kPiece);
  for (const auto& x : s.sparse ? s.extents : whole) {
    for (std::uint64_t at = x.offset; at < x.offset + x.length;) {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, x.offset + x.length - at));
      const ssize_t got = ::pread(fd.get(), buffer.data(), n, static_cast<off_t>(at));
      if (got <= 0)
        throw HostError(s.file.string() + ": it ended early or could not be read while packing");
      use(at, std::string_view(buffer.data(), static_cast<std::size_t>(got)));
      at += static_cast<std::uint64_t>(got);
    }
  }
}

class PackWriter {
 public:
  explicit PackWriter(const fs::path& file)
      // The guest's memory and the key it trusts: the user's alone, as in the boot cache.
      : fd_(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)),
        a_(archive_write_new(), &archive_write_free) {
    if (!fd_.valid()) throw HostError(file.string() + ": cannot create: " + std::strerror(errno));
    if (!a_ || archive_write_set_format_pax(a_.get()) != ARCHIVE_OK ||
        archive_write_add_filter_zstd(a_.get()) != ARCHIVE_OK ||
        archive_write_set_filter_option(a_.get(), "zstd", "compression-level", "3") != ARCHIVE_OK ||
        archive_write_open_fd(a_.get(), fd_.get()) != ARCHIVE_OK)
      throw HostError(file.string() + ": cannot write a pack: " + archive_error(a_.get()));
    file_ = file;
  }

  // Writes `s`: the writer is given the whole entry in order, so a sparse one's holes are
  // given as zeros (the archive stores only the extents' bytes), without being read.
  void add(const Source& s) {
    EntryPtr e(archive_entry_new(), &archive_entry_free);
    archive_entry_set_pathname(e.get(), s.name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0600);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(s.size));
    if (s.sparse) {
      for (const auto& x : s.extents)
        archive_entry_sparse_add_entry(e.get(), static_cast<la_int64_t>(x.offset),
                                       static_cast<la_int64_t>(x.length));
      if (s.extents.empty()) archive_entry_sparse_add_entry(e.get(), 0, 0);  // all hole
    }
    if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK)
      throw HostError(file_.string() + ": cannot write an entry: " + archive_error(a_.get()));
    const std::vector<char> zeros(kPiece, 0);
    std::uint64_t at = 0;
    auto skip_to = [&](std::uint64_t end) {
      while (at < end) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, end - at));
        write(zeros.data(), n);
        at += n;
      }
    };
    read_source(s, [&](std::uint64_t offset, std::string_view data) {
      skip_to(offset);
      write(data.data(), data.size());
      at += data.size();
    });
    skip_to(s.size);
  }

  void close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK)
      throw HostError(file_.string() + ": cannot finish the pack: " + archive_error(a_.get()));
    if (::fsync(fd_.get()) != 0)
      throw HostError(file_.string() + ": cannot flush it to disk: " + std::strerror(errno));
  }

 private:
  void write(const char* data, std::size_t n) {
    if (archive_write_data(a_.get(), data, n) < 0)
      throw HostError(file_.string() + ": cannot write: " + archive_error(a_.get()));
  }

  UniqueFd fd_;
  WritePtr a_;
  fs::path file_;
};

std::uint64_t allocated(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

// A template's file name: what freeze and save_template write, nothing with a path in it.
bool plain_name(const std::string& name) {
  return RE2::FullMatch(name, "[A-Za-z0-9_][A-Za-z0-9._-]{0,100}");
}

std::string entry_digest(const Source& s) {
  EntryDigest d;
  read_source(s, [&](std::uint64_t offset, std::string_view data) { d.feed(offset, data); });
  return d.finish(s.size);
}

}  // namespace

PackedTemplate pack_template(const BootCache& cache, const std::string& key, const fs::path& out,
                             const std::string& secret) {
  const auto start = Clock::now();
  const fs::path folder = cache.folder(key);
  if (!fs::is_directory(folder))
    throw Error("the boot cache has no template " + key + " (in " + folder.parent_path().string() +
                ")");
  const SavedMachine saved = SavedMachine::read(folder);
  PackedTemplate p;
  p.key = key;
  p.file = fs::absolute(out);
  p.signed_pack = !secret.empty();
  // The entries in the order a reader checks them: the key inputs first (the key is checked
  // before anything is written), the folder's files, the RAM last.
  std::vector<Source> sources;
  std::vector<std::string> names;
  for (const auto& f : fs::directory_iterator(folder))
    if (f.is_regular_file() && f.path().filename() != "last-used")
      names.push_back(f.path().filename().string());
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return std::make_pair(a != "key-inputs.json", a) < std::make_pair(b != "key-inputs.json", b);
  });
  for (const auto& name : names) {
    if (!pack_entry_limit(kPackFolderPrefix + name)) continue;  // not a template's file
    Source s{kPackFolderPrefix + name, {}, folder / name};
    s.size = fs::file_size(s.file);
    sources.push_back(std::move(s));
    p.template_bytes += allocated(folder / name);
  }
  {
    Source ram{kPackRamName, {}, saved.ram};
    ram.sparse = true;
    ram.size = fs::file_size(saved.ram);
    UniqueFd fd(::open(saved.ram.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
      throw HostError("cannot read " + saved.ram.string() + ": " + std::strerror(errno));
    ram.extents = data_extents(fd.get(), ram.size, saved.ram);
    for (const auto& x : ram.extents) p.ram_data_bytes += x.length;
    p.ram_bytes = ram.size;
    sources.push_back(std::move(ram));
  }
  PackManifest manifest;
  manifest.key = key;
  for (const auto& s : sources) manifest.entries.push_back({s.name, s.size, entry_digest(s)});
  std::vector<Source> heads = {{kPackManifestName, manifest.text()}};
  if (!secret.empty()) heads.push_back({kPackMacName, pack_mac(secret, heads.front().text)});
  for (auto& h : heads) h.size = h.text.size();

  fs::create_directories(p.file.parent_path());
  const fs::path writing = p.file.string() + ".tmp-" + std::to_string(::getpid());
  try {
    PackWriter w(writing);
    for (const auto& s : heads) w.add(s);
    for (const auto& s : sources) w.add(s);
    w.close();
    fs::rename(writing, p.file);
  } catch (...) {
    std::error_code ec;
    fs::remove(writing, ec);
    throw;
  }
  p.pack_bytes = fs::file_size(p.file);
  p.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return p;
}

namespace {

class PackReader {
 public:
  explicit PackReader(const fs::path& file)
      : file_(file), a_(archive_read_new(), &archive_read_free) {
    if (!a_ || archive_read_support_format_tar(a_.get()) != ARCHIVE_OK ||
        archive_read_support_filter_zstd(a_.get()) != ARCHIVE_OK ||
        archive_read_open_filename(a_.get(), file.c_str(), kPiece) != ARCHIVE_OK)
      throw bad("it is not a zstd-compressed tar (" + archive_error(a_.get()) + ")");
  }

  [[nodiscard]] ConfigError bad(const std::string& what) const {
    return ConfigError({file_, 0, 0}, "not a hurdle template pack: " + what);
  }
  [[nodiscard]] ConfigError refused(const std::string& what) const {
    return ConfigError({file_, 0, 0}, "template pack refused: " + what);
  }

  // The next entry's name, or empty at the end. Only regular files are packs' entries.
  std::string next() {
    archive_entry* e = nullptr;
    const int rc = archive_read_next_header(a_.get(), &e);
    if (rc == ARCHIVE_EOF) return {};
    if (rc < ARCHIVE_WARN)
      throw bad("it is damaged or truncated (" + archive_error(a_.get()) + ")");
    const char* name = archive_entry_pathname(e);
    const std::string shown = name != nullptr ? name : "";
    if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != nullptr)
      throw bad("its entry '" + shown_entry_name(shown) + "' is not a regular file");
    if (archive_entry_size(e) < 0) throw bad("an entry has a negative size");
    size_ = static_cast<std::uint64_t>(archive_entry_size(e));
    if (shown.empty()) throw bad("an entry has no name");
    return shown;
  }
  [[nodiscard]] std::uint64_t size() const { return size_; }

  std::string read_text(const std::string& name, std::uint64_t limit) {
    if (size_ > limit)
      throw bad("its entry " + shown_entry_name(name) + " has " + std::to_string(size_) +
                " bytes; at most " + std::to_string(limit) + " are allowed");
    std::string text(size_, '\0');
    std::size_t at = 0;
    while (at < text.size()) {
      const la_ssize_t n = archive_read_data(a_.get(), text.data() + at, text.size() - at);
      if (n <= 0)
        throw bad("its entry " + shown_entry_name(name) + " is truncated (" +
                  archive_error(a_.get()) + ")");
      at += static_cast<std::size_t>(n);
    }
    return text;
  }

  // Writes the entry to `to`, holes kept, its digest taken as it streams; returns it. The
  // bytes that were data go to `data_bytes`.
  std::string extract(const std::string& name, const fs::path& to, std::uint64_t& data_bytes) {
    SparseFileWriter out(to);
    EntryDigest digest;
    for (;;) {
      const void* block = nullptr;
      size_t length = 0;
      la_int64_t offset = 0;
      const int rc = archive_read_data_block(a_.get(), &block, &length, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN)
        throw bad("its entry " + name + " is damaged (" + archive_error(a_.get()) + ")");
      if (offset < 0 || static_cast<std::uint64_t>(offset) > size_ || length > size_ - offset)
        throw bad("its entry " + name + " has data beyond its size");
      const std::string_view data(static_cast<const char*>(block), length);
      try {
        digest.feed(static_cast<std::uint64_t>(offset), data);
      } catch (const std::invalid_argument&) {
        throw bad("its entry " + name + " has data out of order");
      }
      out.write_at(static_cast<std::uint64_t>(offset), data);
    }
    out.finish(size_);
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write);
    data_bytes = out.data_bytes();
    return digest.finish(size_);
  }

 private:
  fs::path file_;
  ReadPtr a_;
  std::uint64_t size_ = 0;
};

// pack.json and pack.mac, checked as `trust` asks: the manifest, and whether it was signed
// with the user's key.
PackManifest read_manifest(PackReader& r, const PackTrust& trust, bool& signed_pack,
                           std::string& first_entry) {
  if (r.next() != kPackManifestName)
    throw r.bad(std::string("its first entry is not ") + kPackManifestName);
  const std::string text = r.read_text(kPackManifestName, kMaxPackJsonBytes);
  std::string why;
  auto manifest = PackManifest::parse(text, why);
  if (!manifest) throw r.bad(std::string("its ") + kPackManifestName + ": " + why);
  first_entry = r.next();
  std::string mac;
  if (first_entry == kPackMacName) {
    mac = r.read_text(kPackMacName, 256);
    first_entry = r.next();
  }
  signed_pack = false;
  if (!trust.secret.empty() && !mac.empty()) {
    if (!pack_mac_matches(trust.secret, text, mac))
      throw r.refused(
          "its signature (pack.mac) does not match HURDLE_PACK_KEY: it was signed "
          "with another key, or changed since");
    signed_pack = true;
  } else if (!trust.trust_unsigned) {
    throw r.refused(
        trust.secret.empty()
            ? "nothing here can check who wrote it: set HURDLE_PACK_KEY to the secret it was "
              "signed with, or pass --trust-unsigned to restore it anyway"
            : "it is not signed (no pack.mac); only packs signed with HURDLE_PACK_KEY are "
              "restored, unless --trust-unsigned is given");
  }
  return std::move(*manifest);
}

// The key inputs, the first entry: they must give the key the manifest claims and the memory
// the RAM entry has, before anything is written.
std::string read_key_inputs(PackReader& r, const PackManifest& m, const std::string& name) {
  const PackEntry& listed = m.entries.front();
  if (name != listed.name || r.size() != listed.size)
    throw r.bad("its entries are not the ones its manifest lists, in order (found '" +
                shown_entry_name(name) + "' first)");
  const std::string text = r.read_text(name, kMaxPackJsonBytes);
  if (EntryDigest::of(text) != listed.digest)
    throw r.refused("its " + listed.name + " is not what its manifest says (digest differs)");
  std::string why = "it is not an object";
  const auto inputs = parse_json_text(text, why);
  if (!inputs || !inputs->is_object()) throw r.bad("its " + listed.name + ": " + why);
  if (text_digest(inputs->dump()).hex != m.key)
    throw r.bad("its key " + m.key + " is not the sha256 of the key inputs it holds");
  const auto memory = memory_of_key_inputs(*inputs);
  if (!memory) throw r.bad("its " + listed.name + " give no memory size (QEMU's -m)");
  if (*memory > kMaxPackMemoryBytes)
    throw r.refused("its machine has " + std::to_string(*memory >> 20) +
                    " MiB of memory; at most " + std::to_string(kMaxPackMemoryBytes >> 20) +
                    " are allowed");
  if (m.entries.back().size != *memory)
    throw r.refused("its RAM has " + std::to_string(m.entries.back().size) +
                    " bytes, not the machine's memory (" + std::to_string(*memory) + " bytes)");
  return text;
}

// The manifest of the template being built, its problems named as the pack's (not as a file
// of a temporary folder that is removed).
SavedMachine read_saved(const PackReader& r, const fs::path& building) {
  try {
    return SavedMachine::read(building);
  } catch (const ConfigError& e) {
    throw r.bad("its template/saved-machine.json: " + e.problem());
  }
}

// What the entries after the key inputs left in the folder being built.
struct Unpacked {
  std::set<std::string> seen;  // entry names
  fs::path ram;                // where the RAM went, once it did
};

// Writes each entry after the key inputs, in the manifest's order: template/NAME into
// `building`, the RAM where `cache` keeps RAM files. Each entry's digest must be the listed one.
void unpack_entries(PackReader& r, const PackManifest& m, const BootCache& cache,
                    const fs::path& building, Unpacked& out, PackedTemplate& what) {
  for (std::size_t i = 1; i < m.entries.size(); ++i) {
    const PackEntry& listed = m.entries[i];
    const std::string name = r.next();
    if (name != listed.name || r.size() != listed.size)
      throw r.bad("its entries are not the ones its manifest lists, in order (found '" +
                  shown_entry_name(name) + "' where " + listed.name + " of " +
                  std::to_string(listed.size) + " bytes is listed)");
    out.seen.insert(name);
    std::string digest;
    std::uint64_t data_bytes = 0;
    if (name == kPackRamName) {
      // The manifest came before (saved-machine.json is listed before the RAM): it is
      // rewritten to name the RAM file's place here.
      SavedMachine saved = read_saved(r, building);
      std::string why;
      out.ram = cache.ram_file(m.key, r.size(), why);
      fs::remove(out.ram);
      digest = r.extract(name, out.ram, data_bytes);
      what.ram_data_bytes = data_bytes;
      what.ram_bytes = r.size();
      saved.ram = out.ram;
      if (digest == listed.digest) saved.write(building);
    } else {
      const std::string file = name.substr(std::strlen(kPackFolderPrefix));
      if (file.ends_with(".json")) {
        const std::string text = r.read_text(name, kMaxPackJsonBytes);
        digest = EntryDigest::of(text);
        if (digest == listed.digest) write_file_atomically(building / file, text);
      } else {
        digest = r.extract(name, building / file, data_bytes);
        // As the template was: its disks frozen, its state and key read, never written.
        fs::permissions(building / file, fs::perms::owner_read);
      }
      what.template_bytes += allocated(building / file);
    }
    if (digest != listed.digest)
      throw r.refused("its " + name + " is not what its manifest says (digest differs)");
  }
  const std::string extra = r.next();
  if (!extra.empty())
    throw r.bad("it holds an entry its manifest does not list: '" + shown_entry_name(extra) + "'");
}

// A whole template: its RAM, every file its manifest names (by a plain name, never a path out
// of the folder), and disks whose headers name only the base they were made over.
void check_unpacked(const PackReader& r, const fs::path& building, const Unpacked& u) {
  if (u.ram.empty()) throw r.bad("it has no ram entry");
  const SavedMachine m = read_saved(r, building);
  std::vector<std::string> named = {m.state};
  for (const auto& d : m.disks) named.push_back(d.saved);
  if (!m.ssh_key.empty()) named.push_back(m.ssh_key);
  for (const auto& n : named)
    if (!plain_name(n) || u.seen.count(kPackFolderPrefix + n) == 0)
      throw r.bad("its manifest names '" + shown_entry_name(n) +
                  "', which is not a file of the pack");
  for (const auto& d : m.disks) {
    Qcow2Header header;
    try {
      header = read_qcow2_header(building / d.saved);
    } catch (const ImageError&) {
      throw r.refused("its disk template/" + d.saved + " is not a qcow2 disk hurdle can use");
    }
    if (const auto why = confinement_problem(header, DiskLayer{d.base, d.base_format}))
      throw r.refused("its disk template/" + d.saved + ": a disk hurdle will not open: " + *why);
  }
}

}  // namespace

UnpackedTemplate unpack_template(const BootCache& cache, const fs::path& pack,
                                 const PackTrust& trust) {
  const auto start = Clock::now();
  PackReader r(pack);
  UnpackedTemplate u;
  std::string name;
  const PackManifest manifest = read_manifest(r, trust, u.what.signed_pack, name);
  const std::string inputs = read_key_inputs(r, manifest, name);
  u.what.key = manifest.key;
  u.what.file = pack;
  u.what.pack_bytes = fs::file_size(pack);
  const std::string& key = u.what.key;
  const FileLock held = cache.lock(key, {});
  if (fs::exists(cache.folder(key))) {
    u.already = true;
    return u;
  }
  const fs::path building = cache.folder(key).string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(building);
  fs::create_directories(building);
  fs::permissions(building, fs::perms::owner_all);
  Unpacked unpacked;
  try {
    // The key inputs were read and checked before: the folder's first file.
    write_file_atomically(building / "key-inputs.json", inputs);
    unpacked.seen.insert(manifest.entries.front().name);
    unpack_entries(r, manifest, cache, building, unpacked, u.what);
    check_unpacked(r, building, unpacked);
    fs::rename(building, cache.folder(key));
  } catch (...) {
    std::error_code ec;
    fs::remove_all(building, ec);
    if (!unpacked.ram.empty()) fs::remove(unpacked.ram, ec);
    throw;
  }
  cache.mark_used(key);
  u.what.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return u;
}

}  // namespace hurdle
