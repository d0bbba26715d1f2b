#include "image/lock_pin.hpp"

#include <fstream>
#include <sstream>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "image/image_lock.hpp"

namespace hurdle {

namespace {

std::size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

bool blank_or_comment(const std::string& line) {
  const auto i = line.find_first_not_of(" \t");
  return i == std::string::npos || line[i] == '#';
}

}  // namespace

void pin_image_digest(const std::filesystem::path& lock_file, const std::string& name,
                      const Digest& digest) {
  const ImageLock lock = load_image_lock(lock_file);
  const ImageEntry& entry = lock.find(name);
  if (entry.digest) {
    if (*entry.digest == digest) return;
    throw ImageError(lock_file.string() + ": " + name + " is pinned to " + entry.digest->str() +
                     " but the published checksum is " + digest.str() +
                     ": the file changed upstream, or the lock is wrong; look before changing it");
  }
  std::ifstream in(lock_file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const std::size_t name_line = entry.where.line - 1;  // 0-based
  if (name_line >= lines.size())
    throw ImageError(lock_file.string() + ": the entry " + name + " moved while reading it");
  const std::size_t name_indent = indent_of(lines[name_line]);
  // The entry's block: the lines after its name that are indented further.
  std::size_t key_indent = std::string::npos;
  std::size_t insert_at = name_line + 1;
  std::size_t digest_line = std::string::npos;
  for (std::size_t i = name_line + 1; i < lines.size(); ++i) {
    if (blank_or_comment(lines[i])) continue;
    const std::size_t indent = indent_of(lines[i]);
    if (indent <= name_indent) break;
    if (key_indent == std::string::npos) key_indent = indent;
    if (indent == key_indent) {
      const std::string key = lines[i].substr(indent, lines[i].find(':', indent) - indent);
      if (key == "digest") digest_line = i;
      // Right after the URL (a one-line url:), where a reader expects the digest.
      if (key == "url") insert_at = i + 1;
    }
  }
  if (key_indent == std::string::npos)
    throw ImageError(lock_file.string() + ": the entry " + name +
                     " is not written as an indented block; add `digest: " + digest.str() +
                     "` to it by hand");
  const std::string line = std::string(key_indent, ' ') + "digest: " + digest.str();
  if (digest_line != std::string::npos)
    lines[digest_line] = line;  // an empty `digest:` or `digest: ~`
  else
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(insert_at), line);
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  const std::filesystem::path check = lock_file.string() + ".pin-check";
  write_file_atomically(check, text);
  try {
    const ImageLock reread = load_image_lock(check);
    const ImageEntry& e = reread.find(name);
    if (!e.digest || *e.digest != digest) throw ImageError("the digest did not land in the entry");
  } catch (const Error& e) {
    std::filesystem::remove(check);
    throw ImageError(lock_file.string() + ": could not write the digest of " + name +
                     " into the lock (" + e.what() + "); add `digest: " + digest.str() +
                     "` to the entry by hand");
  }
  std::filesystem::rename(check, lock_file);
}

}  // namespace hurdle
