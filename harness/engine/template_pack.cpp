#include "engine/template_pack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <vector>

#include <re2/re2.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/unique_fd.hpp"
#include "image/sparse_file.hpp"
#include "machine/saved_machine.hpp"

namespace hurdle {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPackFormat = 1;
constexpr const char* kPackInfo = "pack.json";
constexpr const char* kRamEntry = "ram";
constexpr const char* kFolderPrefix = "template/";
constexpr std::size_t kPiece = 1 << 20;
constexpr std::uint64_t kZeroBlock = 64 * 1024;
// What a template's folder holds is small (the state, disks of the guest's changes, a few
// JSON files); a pack whose manifest or JSON is larger than this is not one.
constexpr std::uint64_t kMaxJsonBytes = 16 << 20;

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

  void add_text(const std::string& name, const std::string& text) {
    EntryPtr e = entry(name, text.size());
    header(e.get());
    write(text.data(), text.size());
  }

  void add_file(const std::string& name, const fs::path& from) {
    std::ifstream in(from, std::ios::binary);
    if (!in) throw HostError("cannot read " + from.string());
    const auto size = fs::file_size(from);
    EntryPtr e = entry(name, size);
    header(e.get());
    std::vector<char> buffer(kPiece);
    std::uint64_t left = size;
    while (left > 0) {
      in.read(buffer.data(), static_cast<std::streamsize>(std::min<std::uint64_t>(kPiece, left)));
      const auto got = static_cast<std::size_t>(in.gcount());
      if (got == 0) throw HostError(from.string() + ": it ended early while packing it");
      write(buffer.data(), got);
      left -= got;
    }
  }

  // The sparse RAM file: only its data extents are stored.
  std::uint64_t add_sparse(const std::string& name, const fs::path& from) {
    UniqueFd fd(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) throw HostError("cannot read " + from.string() + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw HostError("cannot stat " + from.string());
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const std::vector<Extent> extents = data_extents(fd.get(), size, from);
    EntryPtr e = entry(name, size);
    std::uint64_t data = 0;
    for (const auto& x : extents) {
      archive_entry_sparse_add_entry(e.get(), static_cast<la_int64_t>(x.offset),
                                     static_cast<la_int64_t>(x.length));
      data += x.length;
    }
    if (extents.empty()) archive_entry_sparse_add_entry(e.get(), 0, 0);  // all hole
    header(e.get());
    // The writer is given the whole file in order; it stores only the extents' bytes, so the
    // holes are given as zeros without reading them.
    std::vector<char> buffer(kPiece);
    const std::vector<char> zeros(kPiece, 0);
    std::uint64_t at = 0;
    auto skip_to = [&](std::uint64_t end) {
      while (at < end) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, end - at));
        write(zeros.data(), n);
        at += n;
      }
    };
    for (const auto& x : extents) {
      skip_to(x.offset);
      while (at < x.offset + x.length) {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, x.offset + x.length - at));
        const ssize_t got = ::pread(fd.get(), buffer.data(), n, static_cast<off_t>(at));
        if (got <= 0) throw HostError(from.string() + ": cannot read it while packing it");
        write(buffer.data(), static_cast<std::size_t>(got));
        at += static_cast<std::uint64_t>(got);
      }
    }
    skip_to(size);
    return data;
  }

  void close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK)
      throw HostError(file_.string() + ": cannot finish the pack: " + archive_error(a_.get()));
    if (::fsync(fd_.get()) != 0)
      throw HostError(file_.string() + ": cannot flush it to disk: " + std::strerror(errno));
  }

 private:
  static EntryPtr entry(const std::string& name, std::uint64_t size) {
    EntryPtr e(archive_entry_new(), &archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0600);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    return e;
  }
  void header(archive_entry* e) {
    if (archive_write_header(a_.get(), e) != ARCHIVE_OK)
      throw HostError(file_.string() + ": cannot write an entry: " + archive_error(a_.get()));
  }
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

// The key `inputs` (key-inputs.json's text) digest to: what the boot cache names it by.
std::string key_of_inputs(const std::string& text, const fs::path& pack) {
  std::string why = "it is not an object";
  const auto inputs = parse_json_text(text, why);
  if (!inputs || !inputs->is_object())
    throw ConfigError({pack, 0, 0},
                      "not a hurdle template pack: its template/key-inputs.json: " + why);
  return text_digest(inputs->dump()).hex;
}

// A template's file name: what freeze and save_template write, nothing with a path in it.
bool plain_name(const std::string& name) {
  return RE2::FullMatch(name, "[A-Za-z0-9_][A-Za-z0-9._-]{0,100}");
}

}  // namespace

PackedTemplate pack_template(const BootCache& cache, const std::string& key, const fs::path& out) {
  const auto start = Clock::now();
  const fs::path folder = cache.folder(key);
  if (!fs::is_directory(folder))
    throw Error("the boot cache has no template " + key + " (in " + folder.parent_path().string() +
                ")");
  const SavedMachine manifest = SavedMachine::read(folder);
  PackedTemplate p;
  p.key = key;
  p.file = fs::absolute(out);
  fs::create_directories(p.file.parent_path());
  const fs::path writing = p.file.string() + ".tmp-" + std::to_string(::getpid());
  try {
    PackWriter w(writing);
    w.add_text(kPackInfo, nlohmann::json{{"format", kPackFormat}, {"key", key}}.dump(2) + "\n");
    for (const auto& f : fs::directory_iterator(folder)) {
      const std::string name = f.path().filename().string();
      if (name == "last-used" || !f.is_regular_file()) continue;
      w.add_file(kFolderPrefix + name, f.path());
      p.template_bytes += allocated(f.path());
    }
    p.ram_data_bytes = w.add_sparse(kRamEntry, manifest.ram);
    p.ram_bytes = fs::file_size(manifest.ram);
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
      throw bad("its entry '" + shown + "' is not a regular file");
    size_ = static_cast<std::uint64_t>(archive_entry_size(e));
    if (shown.empty()) throw bad("an entry has no name");
    return shown;
  }
  [[nodiscard]] std::uint64_t size() const { return size_; }

  std::string read_text(const std::string& name) {
    if (size_ > kMaxJsonBytes) throw bad("its entry " + name + " is too large for what it is");
    std::string text(size_, '\0');
    std::size_t at = 0;
    while (at < text.size()) {
      const la_ssize_t n = archive_read_data(a_.get(), text.data() + at, text.size() - at);
      if (n <= 0)
        throw bad("its entry " + name + " is truncated (" + archive_error(a_.get()) + ")");
      at += static_cast<std::size_t>(n);
    }
    return text;
  }

  // Writes the entry to `to`, holes kept; returns the bytes that were data.
  std::uint64_t extract(const std::string& name, const fs::path& to) {
    SparseFileWriter out(to);
    std::uint64_t end = 0;
    for (;;) {
      const void* block = nullptr;
      size_t length = 0;
      la_int64_t offset = 0;
      const int rc = archive_read_data_block(a_.get(), &block, &length, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN)
        throw bad("its entry " + name + " is damaged (" + archive_error(a_.get()) + ")");
      if (offset < 0 || static_cast<std::uint64_t>(offset) + length > size_)
        throw bad("its entry " + name + " has data beyond its size");
      out.write_at(static_cast<std::uint64_t>(offset), {static_cast<const char*>(block), length});
      end = std::max(end, static_cast<std::uint64_t>(offset) + length);
    }
    out.finish(size_);
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write);
    return out.data_bytes();
  }

 private:
  fs::path file_;
  ReadPtr a_;
  std::uint64_t size_ = 0;
};

}  // namespace

namespace {

// pack.json, the pack's first entry: its key.
std::string read_pack_key(PackReader& r) {
  if (r.next() != kPackInfo) throw r.bad(std::string("its first entry is not ") + kPackInfo);
  std::string why;
  const auto parsed = parse_json_text(r.read_text(kPackInfo), why);
  const nlohmann::json info = parsed ? *parsed : nlohmann::json();
  if (!info.is_object() || info.value("format", 0) != kPackFormat || !info.contains("key") ||
      !info["key"].is_string())
    throw r.bad(std::string(kPackInfo) + " is not {format: " + std::to_string(kPackFormat) +
                ", key: ...}");
  const std::string key = info["key"].get<std::string>();
  if (!RE2::FullMatch(key, "[0-9a-f]{64}")) throw r.bad("its key is not a sha256");
  return key;
}

// What the entries after pack.json left in the folder being built.
struct Unpacked {
  std::set<std::string> seen;  // entry names
  std::string inputs;          // key-inputs.json's text
  fs::path ram;                // where the RAM went, once it did
};

// Writes each entry: template/NAME into `building`, the RAM where `cache` keeps RAM files.
void unpack_entries(PackReader& r, const BootCache& cache, const std::string& key,
                    const fs::path& building, Unpacked& out, PackedTemplate& what) {
  for (std::string name = r.next(); !name.empty(); name = r.next()) {
    if (!out.seen.insert(name).second) throw r.bad("it holds " + name + " twice");
    if (name == kRamEntry) {
      // The manifest comes first (the writer packs the folder before the RAM): it is
      // rewritten to name the RAM file's place here.
      SavedMachine m = SavedMachine::read(building);
      std::string why;
      out.ram = cache.ram_file(key, r.size(), why);
      fs::remove(out.ram);
      what.ram_data_bytes = r.extract(name, out.ram);
      what.ram_bytes = r.size();
      m.ram = out.ram;
      m.write(building);
      continue;
    }
    if (!name.starts_with(kFolderPrefix) || !plain_name(name.substr(std::strlen(kFolderPrefix))))
      throw r.bad("its entry '" + name + "' is not template/NAME or ram");
    const std::string file = name.substr(std::strlen(kFolderPrefix));
    if (file.ends_with(".json")) {
      const std::string text = r.read_text(name);
      if (file == "key-inputs.json") out.inputs = text;
      write_file_atomically(building / file, text);
    } else {
      (void)r.extract(name, building / file);
      // As the template was: its disks frozen, its state and key read, never written.
      fs::permissions(building / file, fs::perms::owner_read);
    }
    what.template_bytes += allocated(building / file);
  }
}

// A whole template: its RAM, every file its manifest names (by a plain name, never a path out
// of the folder), and key inputs whose digest is the key the pack claims.
void check_unpacked(const PackReader& r, const fs::path& building, const Unpacked& u,
                    const std::string& key, const fs::path& pack) {
  if (u.ram.empty()) throw r.bad("it has no ram entry");
  const SavedMachine m = SavedMachine::read(building);
  std::vector<std::string> named = {m.state};
  for (const auto& d : m.disks) named.push_back(d.saved);
  if (!m.ssh_key.empty()) named.push_back(m.ssh_key);
  for (const auto& n : named)
    if (!plain_name(n) || u.seen.count(kFolderPrefix + n) == 0)
      throw r.bad("its manifest names '" + n + "', which is not a file of the pack");
  if (u.inputs.empty()) throw r.bad("it has no template/key-inputs.json");
  if (key_of_inputs(u.inputs, pack) != key)
    throw r.bad("its key " + key + " is not the sha256 of the key inputs it holds");
}

}  // namespace

UnpackedTemplate unpack_template(const BootCache& cache, const fs::path& pack) {
  const auto start = Clock::now();
  PackReader r(pack);
  UnpackedTemplate u;
  u.what.key = read_pack_key(r);
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
    unpack_entries(r, cache, key, building, unpacked, u.what);
    check_unpacked(r, building, unpacked, key, pack);
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
