#include "disk/ext2_filesystem.hpp"

// libext2fs is C; its headers define macros for inode fields (i_translator...), so they are
// included here only.
extern "C" {
#include <et/com_err.h>
}
#include <ext2fs/ext2fs.h>

#include <ctime>
#include <mutex>
#include <vector>

#include "core/error.hpp"

namespace hurdle {

struct Ext2Filesystem::Handle {
  ext2_filsys fs = nullptr;
};

namespace {

std::string message_of(errcode_t code) {
  static std::once_flag tables;
  std::call_once(tables, [] { initialize_ext2_error_table(); });
  return error_message(code);
}

// Splits "/a/b/c" into {"a", "b", "c"}; refuses relative paths, "." and "..".
std::vector<std::string> components(const std::string& path, const std::string& where) {
  if (path.empty() || path.front() != '/')
    throw ImageError(where + ": '" + path + "' is not an absolute path");
  std::vector<std::string> parts;
  std::size_t i = 1;
  while (i <= path.size()) {
    const auto slash = path.find('/', i);
    const std::string part =
        path.substr(i, slash == std::string::npos ? std::string::npos : slash - i);
    if (part == "." || part == "..")
      throw ImageError(where + ": '" + path + "': '.' and '..' are not allowed in paths");
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string::npos) break;
    i = slash + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, std::size_t count) {
  std::string path;
  for (std::size_t i = 0; i < count; ++i) path += "/" + parts[i];
  return path.empty() ? "/" : path;
}

Ext2FileStatus status_of(const ext2_inode& inode) {
  Ext2FileStatus s;
  s.directory = LINUX_S_ISDIR(inode.i_mode);
  s.regular = LINUX_S_ISREG(inode.i_mode);
  s.symlink = LINUX_S_ISLNK(inode.i_mode);
  s.mode = inode.i_mode & 07777;
  s.uid = inode_uid(inode);
  s.gid = inode_gid(inode);
  s.size = EXT2_I_SIZE(&inode);
  return s;
}

void set_owner(ext2_filsys fs, ext2_inode& inode, const Ext2Attributes& a) {
  inode.i_uid = static_cast<__u16>(a.uid & 0xffff);
  inode.i_gid = static_cast<__u16>(a.gid & 0xffff);
  ext2fs_set_i_uid_high(inode, a.uid >> 16);
  ext2fs_set_i_gid_high(inode, a.gid >> 16);
  // The Hurd records who made a file (st_author); its ext2fs sets it to the owner.
  if (fs->super->s_creator_os == EXT2_OS_HURD) inode.osd2.hurd2.h_i_author = a.uid;
}

__u32 now() { return static_cast<__u32>(std::time(nullptr)); }

}  // namespace

Ext2Filesystem::Ext2Filesystem(const std::filesystem::path& image, std::uint64_t offset,
                               bool writable)
    : image_(image), offset_(offset), writable_(writable), handle_(new Handle) {
  const std::string options = "offset=" + std::to_string(offset);
  int flags = EXT2_FLAG_64BITS;
  if (writable) flags |= EXT2_FLAG_RW;
  const errcode_t rc =
      ext2fs_open2(image.c_str(), options.c_str(), flags, 0, 0, unix_io_manager, &handle_->fs);
  if (rc != 0) {
    delete handle_;
    handle_ = nullptr;
    throw ImageError(where() + ": no ext2 filesystem could be opened there: " + message_of(rc));
  }
  if (writable) {
    const errcode_t bitmaps = ext2fs_read_bitmaps(handle_->fs);
    if (bitmaps != 0) {
      ext2fs_close_free(&handle_->fs);
      delete handle_;
      handle_ = nullptr;
      throw ImageError(where() + ": cannot read the filesystem's bitmaps: " + message_of(bitmaps));
    }
  }
}

Ext2Filesystem::~Ext2Filesystem() {
  if (handle_ == nullptr) return;
  if (handle_->fs != nullptr) ext2fs_close_free(&handle_->fs);
  delete handle_;
}

void Ext2Filesystem::close() {
  if (handle_ == nullptr || handle_->fs == nullptr) return;
  const errcode_t rc = ext2fs_close_free(&handle_->fs);
  if (rc != 0)
    throw ImageError(where() + ": writing the filesystem back failed: " + message_of(rc));
}

std::string Ext2Filesystem::where() const {
  return image_.string() + " at byte " + std::to_string(offset_);
}

Ext2Info Ext2Filesystem::info() const {
  const ext2_filsys fs = handle_->fs;
  Ext2Info info;
  switch (fs->super->s_creator_os) {
    case EXT2_OS_LINUX:
      info.creator_os = "Linux";
      break;
    case EXT2_OS_HURD:
      info.creator_os = "Hurd";
      break;
    default:
      info.creator_os = "other (" + std::to_string(fs->super->s_creator_os) + ")";
  }
  info.label.assign(reinterpret_cast<const char*>(fs->super->s_volume_name),
                    strnlen(reinterpret_cast<const char*>(fs->super->s_volume_name),
                            sizeof fs->super->s_volume_name));
  info.block_size = fs->blocksize;
  info.blocks = ext2fs_blocks_count(fs->super);
  info.free_blocks = ext2fs_free_blocks_count(fs->super);
  return info;
}

std::uint32_t Ext2Filesystem::parent_folder(const std::vector<std::string>& parts,
                                            const std::string& path, const char* doing) const {
  const std::string parent_path = join(parts, parts.size() - 1);
  const auto parent = status(parent_path);
  if (!parent || !parent->directory)
    throw ImageError(where() + ": cannot " + doing + " " + path + ": " + parent_path +
                     (parent ? " is not a folder" : " does not exist"));
  ext2_ino_t dir = 0;
  ext2fs_namei(handle_->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, parent_path.c_str(), &dir);
  return dir;
}

std::optional<Ext2FileStatus> Ext2Filesystem::status(const std::string& path) const {
  (void)components(path, where());
  ext2_ino_t ino = 0;
  const errcode_t rc = ext2fs_namei(handle_->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path.c_str(), &ino);
  if (rc == EXT2_ET_FILE_NOT_FOUND) return std::nullopt;
  if (rc != 0) throw ImageError(where() + ": " + path + ": " + message_of(rc));
  ext2_inode inode{};
  if (const errcode_t r = ext2fs_read_inode(handle_->fs, ino, &inode); r != 0)
    throw ImageError(where() + ": " + path + ": cannot read its inode: " + message_of(r));
  return status_of(inode);
}

std::string Ext2Filesystem::read_file(const std::string& path, std::size_t max_bytes) const {
  const auto st = status(path);
  if (!st) throw ImageError(where() + ": no file " + path + " in the filesystem");
  if (!st->regular) throw ImageError(where() + ": " + path + " is not a regular file");
  if (st->size > max_bytes)
    throw ImageError(where() + ": " + path + " is " + std::to_string(st->size) +
                     " bytes, more than the " + std::to_string(max_bytes) + " hurdle reads");
  ext2_ino_t ino = 0;
  ext2fs_namei(handle_->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path.c_str(), &ino);
  ext2_file_t file = nullptr;
  if (const errcode_t rc = ext2fs_file_open(handle_->fs, ino, 0, &file); rc != 0)
    throw ImageError(where() + ": cannot open " + path + ": " + message_of(rc));
  std::string content(st->size, '\0');
  unsigned int got = 0;
  std::size_t done = 0;
  errcode_t rc = 0;
  while (done < content.size()) {
    rc = ext2fs_file_read(
        file, content.data() + done,
        static_cast<unsigned int>(std::min<std::size_t>(content.size() - done, 1 << 20)), &got);
    if (rc != 0 || got == 0) break;
    done += got;
  }
  ext2fs_file_close(file);
  if (rc != 0) throw ImageError(where() + ": reading " + path + " failed: " + message_of(rc));
  content.resize(done);
  return content;
}

ext2_ino_t Ext2Filesystem::new_file(ext2_ino_t dir, const std::string& name,
                                    const std::string& path) {
  const ext2_filsys fs = handle_->fs;
  ext2_ino_t ino = 0;
  errcode_t rc = 0;
  if ((rc = ext2fs_new_inode(fs, dir, LINUX_S_IFREG | 0644, nullptr, &ino)) != 0)
    throw ImageError(where() + ": no free inode for " + path + ": " + message_of(rc));
  rc = ext2fs_link(fs, dir, name.c_str(), ino, EXT2_FT_REG_FILE);
  if (rc == EXT2_ET_DIR_NO_SPACE) {
    if ((rc = ext2fs_expand_dir(fs, dir)) == 0)
      rc = ext2fs_link(fs, dir, name.c_str(), ino, EXT2_FT_REG_FILE);
  }
  if (rc != 0) throw ImageError(where() + ": cannot link " + path + ": " + message_of(rc));
  ext2fs_inode_alloc_stats2(fs, ino, +1, 0);
  ext2_inode inode{};
  inode.i_mode = LINUX_S_IFREG | 0644;
  inode.i_atime = inode.i_ctime = inode.i_mtime = now();
  inode.i_links_count = 1;
  if (ext2fs_has_feature_inline_data(fs->super)) {
    inode.i_flags |= EXT4_INLINE_DATA_FL;
  } else if (ext2fs_has_feature_extents(fs->super)) {
    ext2_extent_handle_t extents = nullptr;
    inode.i_flags &= ~EXT4_EXTENTS_FL;
    if ((rc = ext2fs_extent_open2(fs, ino, &inode, &extents)) != 0)
      throw ImageError(where() + ": " + path + ": " + message_of(rc));
    ext2fs_extent_free(extents);
  }
  if ((rc = ext2fs_write_new_inode(fs, ino, &inode)) != 0)
    throw ImageError(where() + ": cannot write the inode of " + path + ": " + message_of(rc));
  if (inode.i_flags & EXT4_INLINE_DATA_FL) {
    if ((rc = ext2fs_inline_data_init(fs, ino)) != 0)
      throw ImageError(where() + ": " + path + ": " + message_of(rc));
  }
  return ino;
}

void Ext2Filesystem::replace_content(ext2_ino_t ino, std::string_view content,
                                     const std::string& path) {
  const ext2_filsys fs = handle_->fs;
  errcode_t rc = 0;
  ext2_file_t file = nullptr;
  if ((rc = ext2fs_file_open(fs, ino, EXT2_FILE_WRITE, &file)) != 0)
    throw ImageError(where() + ": cannot open " + path + " for writing: " + message_of(rc));
  rc = ext2fs_file_set_size2(file, 0);  // replacing: the old blocks are freed first
  std::size_t done = 0;
  while (rc == 0 && done < content.size()) {
    unsigned int wrote = 0;
    rc = ext2fs_file_write(
        file, content.data() + done,
        static_cast<unsigned int>(std::min<std::size_t>(content.size() - done, 1 << 20)), &wrote);
    if (rc == 0 && wrote == 0) rc = EXT2_ET_SHORT_WRITE;
    done += wrote;
  }
  const errcode_t closed = ext2fs_file_close(file);
  if (rc == 0) rc = closed;
  if (rc != 0)
    throw ImageError(where() + ": writing " + path + " failed: " + message_of(rc) +
                     (rc == EXT2_ET_BLOCK_ALLOC_FAIL ? " (the filesystem is full)" : ""));
}

void Ext2Filesystem::write_file(const std::string& path, std::string_view content,
                                const Ext2Attributes& attributes) {
  if (!writable_) throw ImageError(where() + ": opened read-only; cannot write " + path);
  const auto parts = components(path, where());
  if (parts.empty()) throw ImageError(where() + ": '/' is not a file");
  const ext2_filsys fs = handle_->fs;
  const ext2_ino_t dir = parent_folder(parts, path, "write");
  const std::string& name = parts.back();

  ext2_ino_t ino = 0;
  ext2_inode inode{};
  errcode_t rc = ext2fs_lookup(fs, dir, name.c_str(), static_cast<int>(name.size()), nullptr, &ino);
  if (rc == 0) {
    if ((rc = ext2fs_read_inode(fs, ino, &inode)) != 0)
      throw ImageError(where() + ": " + path + ": cannot read its inode: " + message_of(rc));
    if (!LINUX_S_ISREG(inode.i_mode))
      throw ImageError(where() + ": " + path + " exists and is not a regular file" +
                       (LINUX_S_ISLNK(inode.i_mode) ? " (a symbolic link: not followed)" : ""));
  } else if (rc == EXT2_ET_FILE_NOT_FOUND) {
    ino = new_file(dir, name, path);
  } else {
    throw ImageError(where() + ": looking up " + path + " failed: " + message_of(rc));
  }

  replace_content(ino, content, path);

  if ((rc = ext2fs_read_inode(fs, ino, &inode)) != 0)
    throw ImageError(where() + ": " + path + ": cannot read its inode: " + message_of(rc));
  inode.i_mode = static_cast<__u16>(LINUX_S_IFREG | (attributes.mode & 07777));
  set_owner(fs, inode, attributes);
  inode.i_ctime = inode.i_mtime = now();
  if ((rc = ext2fs_write_inode(fs, ino, &inode)) != 0)
    throw ImageError(where() + ": cannot write the inode of " + path + ": " + message_of(rc));
}

void Ext2Filesystem::make_directory(const std::string& path, const Ext2Attributes& attributes) {
  if (!writable_) throw ImageError(where() + ": opened read-only; cannot create " + path);
  const auto parts = components(path, where());
  if (parts.empty()) return;
  if (const auto existing = status(path)) {
    if (!existing->directory)
      throw ImageError(where() + ": " + path + " exists and is not a folder");
    return;
  }
  const ext2_filsys fs = handle_->fs;
  const ext2_ino_t dir = parent_folder(parts, path, "create");
  errcode_t rc = ext2fs_mkdir(fs, dir, 0, parts.back().c_str());
  if (rc == EXT2_ET_DIR_NO_SPACE) {
    if ((rc = ext2fs_expand_dir(fs, dir)) == 0) rc = ext2fs_mkdir(fs, dir, 0, parts.back().c_str());
  }
  if (rc != 0) throw ImageError(where() + ": cannot create " + path + ": " + message_of(rc));
  ext2_ino_t ino = 0;
  ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path.c_str(), &ino);
  ext2_inode inode{};
  if ((rc = ext2fs_read_inode(fs, ino, &inode)) != 0)
    throw ImageError(where() + ": " + path + ": cannot read its inode: " + message_of(rc));
  inode.i_mode = static_cast<__u16>(LINUX_S_IFDIR | (attributes.mode & 07777));
  set_owner(fs, inode, attributes);
  if ((rc = ext2fs_write_inode(fs, ino, &inode)) != 0)
    throw ImageError(where() + ": cannot write the inode of " + path + ": " + message_of(rc));
}

}  // namespace hurdle
