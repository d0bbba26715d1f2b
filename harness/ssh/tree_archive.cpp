#include "ssh/tree_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

std::string error_of(struct archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown libarchive error";
}

std::string errno_text() { return std::strerror(errno); }

bool excluded(const fs::path& relative, const std::vector<std::string>& exclude) {
  const std::string name = relative.filename().string();
  const std::string path = relative.generic_string();
  for (const auto& pattern : exclude) {
    // "/build": the folder's own build, not every folder named build in it.
    if (pattern.starts_with('/')) {
      if (::fnmatch(pattern.c_str() + 1, path.c_str(), FNM_PATHNAME) == 0) return true;
      continue;
    }
    if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0) return true;
    if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) return true;
  }
  return false;
}

// The sink, called from libarchive's C code: an exception must not cross it, so it is kept
// and rethrown once libarchive has returned.
struct Sink {
  const std::function<void(std::string_view)>* sink;
  std::exception_ptr failure;

  static la_ssize_t write(struct archive*, void* self, const void* buffer, size_t length) {
    auto* me = static_cast<Sink*>(self);
    try {
      (*me->sink)(std::string_view(static_cast<const char*>(buffer), length));
      return static_cast<la_ssize_t>(length);
    } catch (...) {
      me->failure = std::current_exception();
      return -1;
    }
  }
};

using WriterPtr = std::unique_ptr<struct archive, decltype(&archive_write_free)>;
using ReaderPtr = std::unique_ptr<struct archive, decltype(&archive_read_free)>;
using EntryPtr = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

}  // namespace

std::string TreeStats::describe(const std::string& skipped_as) const {
  return std::to_string(files) + " files, " + std::to_string(folders) + " folders, " +
         std::to_string(symlinks) + " symlinks, " + std::to_string(bytes) + " bytes (" +
         std::to_string(skipped) + " " + skipped_as + ")";
}

namespace {

// A tar stream being written to a sink: one header and body per file.
class TarStream {
 public:
  TarStream(const fs::path& dir, const std::function<void(std::string_view)>& sink)
      : a_(archive_write_new(), &archive_write_free),
        out_{&sink, nullptr},
        piece_(kTransferPiece, '\0') {
    // pax only where ustar cannot say it (long names, big files); big blocks, few SSH writes.
    check(archive_write_set_format_pax_restricted(a_.get()), dir.string());
    check(archive_write_set_bytes_per_block(a_.get(), static_cast<int>(kTransferPiece)),
          dir.string());
    check(archive_write_set_bytes_in_last_block(a_.get(), 1), dir.string());
    check(archive_write_open(a_.get(), &out_, nullptr, &Sink::write, nullptr), dir.string());
  }

  // Adds `path` as `relative`, owned by root; false for what is not a file, a folder or a
  // symlink (sockets, FIFOs, devices: nothing a project's tree needs copied).
  bool add(const fs::path& path, const fs::path& relative, TreeStats& stats) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0)
      throw TransferError("cannot read " + path.string() + ": " + errno_text());
    EntryPtr entry(archive_entry_new(), &archive_entry_free);
    archive_entry_copy_stat(entry.get(), &st);
    archive_entry_set_pathname(entry.get(), relative.generic_string().c_str());
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_uname(entry.get(), "root");
    archive_entry_set_gname(entry.get(), "root");
    archive_entry_set_nlink(entry.get(), 1);  // every file whole: no hard links in the stream
    UniqueFd file;
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
      if (n < 0)
        throw TransferError("cannot read the symlink " + path.string() + ": " + errno_text());
      target.resize(static_cast<std::size_t>(n));
      archive_entry_set_symlink(entry.get(), target.c_str());
      archive_entry_set_size(entry.get(), 0);
      ++stats.symlinks;
    } else if (S_ISDIR(st.st_mode)) {
      archive_entry_set_size(entry.get(), 0);
      ++stats.folders;
    } else if (S_ISREG(st.st_mode)) {
      file = UniqueFd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!file.valid()) throw TransferError("cannot read " + path.string() + ": " + errno_text());
      ++stats.files;
    } else {
      return false;
    }
    check(archive_write_header(a_.get(), entry.get()), path.string());
    if (file.valid())
      stats.bytes += copy_body(file.get(), static_cast<std::uint64_t>(st.st_size), path);
    check(archive_write_finish_entry(a_.get()), path.string());
    return true;
  }

  void close(const fs::path& dir) { check(archive_write_close(a_.get()), dir.string()); }

 private:
  // At most the size the header promised: a file that grows meanwhile is cut there, one that
  // shrinks is padded by libarchive. Returns the bytes copied.
  std::uint64_t copy_body(int fd, std::uint64_t size, const fs::path& path) {
    std::uint64_t left = size;
    while (left > 0) {
      const ssize_t n = ::read(fd, piece_.data(), std::min<std::uint64_t>(kTransferPiece, left));
      if (n < 0) throw TransferError("cannot read " + path.string() + ": " + errno_text());
      if (n == 0) break;
      if (archive_write_data(a_.get(), piece_.data(), static_cast<std::size_t>(n)) < 0)
        check(ARCHIVE_FATAL, path.string());
      left -= static_cast<std::uint64_t>(n);
    }
    return size - left;
  }

  void check(int rc, const std::string& what) {
    if (rc >= ARCHIVE_WARN) return;
    if (out_.failure) std::rethrow_exception(out_.failure);
    throw TransferError("cannot archive " + what + ": " + error_of(a_.get()));
  }

  WriterPtr a_;
  Sink out_;
  std::string piece_;
};

}  // namespace

TreeStats write_tree_as_tar(const fs::path& dir, const std::vector<std::string>& exclude,
                            const std::function<void(std::string_view)>& sink) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw TransferError(dir.string() + " is not a folder");
  TarStream tar(dir, sink);
  TreeStats stats;
  auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
  if (ec) throw TransferError("cannot read the folder " + dir.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw TransferError("cannot read the folder " + dir.string() + ": " + ec.message());
    const fs::path relative = it->path().lexically_relative(dir);
    if (excluded(relative, exclude)) {
      ++stats.skipped;
      if (it->is_directory(ec) && !it->is_symlink(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!tar.add(it->path(), relative, stats)) ++stats.skipped;
  }
  tar.close(dir);
  return stats;
}

namespace {

// Opens (making it if missing) the folder `name` in `parent`, never through a symlink.
UniqueFd open_folder(int parent, const std::string& name, const std::string& shown) {
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid() && errno == ENOENT) {
    if (::mkdirat(parent, name.c_str(), 0755) != 0 && errno != EEXIST)
      throw TransferError("cannot make the folder " + shown + ": " + errno_text());
    fd = UniqueFd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  if (!fd.valid()) {
    if (errno == ELOOP || errno == ENOTDIR)
      throw TransferError(shown +
                          " is not a folder here (a symlink or a file): nothing is unpacked "
                          "through it");
    throw TransferError("cannot open the folder " + shown + ": " + errno_text());
  }
  return fd;
}

// The entry's name as safe parts: relative, without `.`, `..` or empty parts.
std::vector<std::string> safe_parts(const std::string& name) {
  std::vector<std::string> parts;
  if (name.empty() || name.front() == '/') return {};
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    const std::string part = name.substr(start, end - start);
    if (part == "..") return {};
    if (!part.empty() && part != ".") parts.push_back(part);
    start = end + 1;
  }
  return parts;
}

// Removes whatever is at `name` in `parent` (not a folder) so that it can be made anew.
void clear_place(int parent, const std::string& name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (S_ISDIR(st.st_mode))
    throw TransferError(shown + " is a folder here, and the archive holds a file of that name");
  if (::unlinkat(parent, name.c_str(), 0) != 0)
    throw TransferError("cannot replace " + shown + ": " + errno_text());
}

// A regular file's data into a new file `last` in `parent` (never through a link there), with
// its mode and time; returns its size.
std::uint64_t extract_file(archive* a, archive_entry* entry, int parent, const std::string& last,
                           const std::string& shown, const std::string& where, std::string& piece) {
  UniqueFd out(
      ::openat(parent, last.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) throw TransferError("cannot create " + shown + ": " + errno_text());
  std::uint64_t bytes = 0;
  for (;;) {
    const la_ssize_t n = archive_read_data(a, piece.data(), piece.size());
    if (n < 0)
      throw TransferError(where + ": a damaged archive at " + archive_entry_pathname(entry) + " (" +
                          error_of(a) + ")");
    if (n == 0) break;
    const char* p = piece.data();
    for (auto left = static_cast<std::size_t>(n); left > 0;) {
      const ssize_t w = ::write(out.get(), p, left);
      if (w < 0) throw TransferError("cannot write " + shown + ": " + errno_text());
      p += w;
      left -= static_cast<std::size_t>(w);
    }
    bytes += static_cast<std::uint64_t>(n);
  }
  ::fchmod(out.get(), static_cast<mode_t>(archive_entry_perm(entry) & 0777));
  const timespec mtime{archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
  const timespec times[2] = {mtime, mtime};
  ::futimens(out.get(), times);
  return bytes;
}

}  // namespace

TreeStats extract_tar_safely(const fs::path& archive_file, const fs::path& into) {
  ReaderPtr a(archive_read_new(), &archive_read_free);
  archive_read_support_format_tar(a.get());
  archive_read_support_format_empty(a.get());
  const std::string where = archive_file.string();
  if (archive_read_open_filename(a.get(), archive_file.c_str(), kTransferPiece) != ARCHIVE_OK)
    throw TransferError(where + ": not a tar archive (" + error_of(a.get()) + ")");
  fs::create_directories(into);
  UniqueFd root(::open(into.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid())
    throw TransferError("cannot open the folder " + into.string() + ": " + errno_text());

  TreeStats stats;
  std::string piece(kTransferPiece, '\0');
  archive_entry* entry = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN)
      throw TransferError(where + ": a damaged archive (" + error_of(a.get()) + ") after " +
                          std::to_string(stats.files + stats.folders + stats.symlinks) +
                          " entries");
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw != nullptr ? raw : "";
    const auto parts = safe_parts(name);
    const auto type = archive_entry_filetype(entry);
    if (parts.empty()) {
      if (name == "." || name == "./") continue;  // the folder itself
      throw TransferError(where + ": the entry '" + name +
                          "' would land outside the folder (an absolute name or ..): refused");
    }
    const bool hard_link = archive_entry_hardlink(entry) != nullptr;
    if (hard_link || (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)) {
      ++stats.skipped;
      continue;
    }
    // Down to the entry's folder, never through a symlink.
    UniqueFd parent(::dup(root.get()));
    std::string shown = into.string();
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      shown += "/" + parts[i];
      parent = open_folder(parent.get(), parts[i], shown);
    }
    const std::string& last = parts.back();
    shown += "/" + last;
    const auto mode = static_cast<mode_t>(archive_entry_perm(entry) & 0777);
    if (type == AE_IFDIR) {
      // Folders stay writable by their owner, or what follows could not go in them.
      const UniqueFd folder = open_folder(parent.get(), last, shown);
      ::fchmod(folder.get(), mode | 0700);
      ++stats.folders;
      continue;
    }
    clear_place(parent.get(), last, shown);
    if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      if (::symlinkat(target != nullptr ? target : "", parent.get(), last.c_str()) != 0)
        throw TransferError("cannot make the symlink " + shown + ": " + errno_text());
      ++stats.symlinks;
      continue;
    }
    stats.bytes += extract_file(a.get(), entry, parent.get(), last, shown, where, piece);
    ++stats.files;
  }
  return stats;
}

}  // namespace hurdle
