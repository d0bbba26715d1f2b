#include "support/debian_index.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <re2/re2.h>

#include <array>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "core/digest.hpp"
#include "core/run_program.hpp"
#include "support/test_files.hpp"

namespace hurdle::test {

namespace fs = std::filesystem;

namespace {

const char* const kKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

// The value of "Field: value" in a deb822 paragraph (first line only), or empty.
std::string field(const std::string& paragraph, const std::string& name) {
  const std::string key = name + ": ";
  std::size_t start = key.size();
  if (paragraph.rfind(key, 0) != 0) {
    const std::size_t at = paragraph.find("\n" + key);
    if (at == std::string::npos) return "";
    start = at + 1 + key.size();
  }
  return paragraph.substr(start, paragraph.find('\n', start) - start);
}

// The continuation lines of a multi-line field ("Checksums-Sha256:" then " SUM SIZE NAME").
std::vector<std::string> field_lines(const std::string& paragraph, const std::string& name) {
  std::vector<std::string> lines;
  std::size_t at = paragraph.find("\n" + name + ":");
  if (at == std::string::npos) return lines;
  at = paragraph.find('\n', at + 1);
  while (at != std::string::npos && at + 1 < paragraph.size() && paragraph[at + 1] == ' ') {
    const std::size_t end = paragraph.find('\n', at + 1);
    lines.push_back(paragraph.substr(at + 2, end == std::string::npos ? end : end - at - 2));
    at = end;
  }
  return lines;
}

}  // namespace

bool is_debian_suite(const std::string& suite) {
  static const RE2 re(
      "(bookworm|trixie|forky|duke|sid|unstable|testing|stable|oldstable)"
      "(-updates|-security|-backports|-proposed-updates)?");
  return RE2::FullMatch(suite, re);
}

bool is_debian_package_name(const std::string& name) {
  static const RE2 re("[a-z0-9][a-z0-9+.-]+");
  return RE2::FullMatch(name, re);
}

bool is_debian_version(const std::string& version) {
  static const RE2 re("([0-9]+:)?[0-9][A-Za-z0-9.+~-]*");
  return RE2::FullMatch(version, re);
}

Manifest read_manifest(const fs::path& file) {
  static const RE2 package_line("  (\\S+) (\\S+) \\((\\S+)\\)");
  static const RE2 file_line("    ([0-9a-f]{64})  (\\S+)");
  Manifest m;
  std::ifstream in(file);
  if (!in) {
    m.problems.push_back(file.string() + ": cannot be read");
    return m;
  }
  std::string kind;  // the section being read; empty outside the package sections
  std::string line;
  int number = 0;
  const auto problem = [&](const std::string& why) {
    m.problems.push_back(file.string() + ":" + std::to_string(number) + ": " + why + ": '" +
                         line.substr(0, 120) + "'");
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("artifact: ", 0) == 0) m.artifact = line.substr(10);
    if (line.empty() || line[0] != ' ') {
      kind = line.rfind("source packages (Debian", 0) == 0   ? "source"
             : line.rfind("binary packages (Debian", 0) == 0 ? "binary"
                                                             : "";
      continue;
    }
    if (kind.empty()) continue;
    std::string name, version, suite, sum, file_name;
    if (RE2::FullMatch(line, package_line, &name, &version, &suite)) {
      if (!is_debian_package_name(name)) problem("not a Debian package name");
      if (!is_debian_version(version)) problem("not a Debian version");
      if (!is_debian_suite(suite)) problem("not a suite of Debian's archive");
      m.packages.push_back({kind, name, version, suite, {}, number});
    } else if (RE2::FullMatch(line, file_line, &sum, &file_name)) {
      if (m.packages.empty()) {
        problem("a file before any package");
        continue;
      }
      auto& p = m.packages.back();
      if (file_name.rfind(p.name + "_", 0) != 0)
        problem("not a file of Debian's " + p.name + " (its pool names them " + p.name + "_...)");
      p.files[file_name] = sum;
    } else {
      problem(
          "expected a Debian package (NAME VERSION (SUITE)) or one of its files (SHA256  FILE)");
    }
  }
  for (const auto& p : m.packages)
    if (p.files.empty())
      m.problems.push_back(file.string() + ":" + std::to_string(p.line) + ": " + p.name +
                           " names no file");
  return m;
}

std::string decompressed_text(const fs::path& file) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK)
    throw std::runtime_error(file.string() + ": " + archive_error_string(a.get()));
  archive_entry* entry = nullptr;
  std::string text;
  if (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    std::array<char, 1 << 16> buffer{};
    la_ssize_t n = 0;
    while ((n = archive_read_data(a.get(), buffer.data(), buffer.size())) > 0)
      text.append(buffer.data(), static_cast<std::size_t>(n));
    if (n < 0) throw std::runtime_error(file.string() + ": " + archive_error_string(a.get()));
  }
  return text;
}

SignedIndex::SignedIndex(const fs::path& in_release, const std::string& entry, const fs::path& file)
    : content_(decompressed_text(file)) {
  const auto checked = run_program({"gpgv", "--keyring", kKeyring, in_release.string()});
  if (!checked.ok())
    throw std::runtime_error(in_release.string() + ": gpgv does not accept its signature with " +
                             kKeyring + ": " + checked.err);
  const std::string release = read_file(in_release);
  suite_ = field(release, "Suite");
  // "SHA256:" then " SUM SIZE NAME" lines.
  std::string want;
  for (const auto& l : field_lines(release, "SHA256")) {
    std::string sum, size, name;
    if (RE2::FullMatch(l, "(\\S+) +(\\S+) +(\\S+)", &sum, &size, &name) && name == entry)
      want = sum;
  }
  if (want.empty()) throw std::runtime_error(in_release.string() + " names no " + entry);
  static const RE2 compressed(".*\\.(xz|gz|bz2|lz4|zst)");
  const std::string got = RE2::FullMatch(entry, compressed) ? text_digest(read_file(file)).hex
                                                            : text_digest(content_).hex;
  if (got != want)
    throw std::runtime_error(entry + " of " + in_release.string() + ": SHA-256 " + got +
                             ", InRelease says " + want);
}

std::optional<std::map<std::string, std::string>> SignedIndex::files_of(
    const std::string& name, const std::string& version) const {
  const std::string key = "Package: " + name + "\n";
  for (std::size_t at = 0; (at = content_.find(key, at)) != std::string::npos; at += key.size()) {
    if (at != 0 && content_[at - 1] != '\n') continue;
    const std::size_t end = content_.find("\n\n", at);
    const std::string paragraph =
        content_.substr(at, end == std::string::npos ? end : end - at + 1);
    if (field(paragraph, "Version") != version) continue;
    std::map<std::string, std::string> files;
    const std::string filename = field(paragraph, "Filename");
    if (!filename.empty()) {
      files[fs::path(filename).filename().string()] = field(paragraph, "SHA256");
    } else {
      for (const auto& l : field_lines(paragraph, "Checksums-Sha256")) {
        std::string sum, size, file;
        if (RE2::FullMatch(l, "(\\S+) +(\\S+) +(\\S+)", &sum, &size, &file)) files[file] = sum;
      }
    }
    return files;
  }
  return std::nullopt;
}

std::map<std::string, SignedIndex> apt_binary_indexes(const fs::path& lists) {
  static const RE2 in_release_name("(.*_dists_[^_]+)_InRelease");
  std::map<std::string, SignedIndex> indexes;
  for (const auto& e : fs::directory_iterator(lists)) {
    std::string prefix;
    if (!RE2::FullMatch(e.path().filename().string(), in_release_name, &prefix)) continue;
    for (const char* suffix : {"", ".lz4", ".xz", ".gz"}) {
      const fs::path packages = lists / (prefix + "_main_binary-amd64_Packages" + suffix);
      if (!fs::exists(packages)) continue;
      SignedIndex index(e.path(), "main/binary-amd64/Packages", packages);
      const std::string release = read_file(e.path());
      for (const char* name : {"Suite", "Codename"})
        if (const std::string s = field(release, name); !s.empty()) indexes.emplace(s, index);
      break;
    }
  }
  return indexes;
}

std::vector<std::string> mismatches(const Manifest& manifest,
                                    const std::map<std::string, SignedIndex>& indexes) {
  std::vector<std::string> out;
  for (const auto& p : manifest.packages) {
    const std::string what = p.name + " " + p.version + " (" + p.suite + ")";
    const auto index = indexes.find(p.suite);
    if (index == indexes.end()) {
      out.push_back(what + ": no signed index of " + p.suite + " to check it against");
      continue;
    }
    const auto listed = index->second.files_of(p.name, p.version);
    if (!listed) {
      out.push_back(what + ": Debian's signed index of " + p.suite + " does not list it");
      continue;
    }
    for (const auto& [file, sum] : p.files) {
      // A .deb is named by its pool file; apt keeps it as NAME_EPOCH%3aVERSION_ARCH.deb.
      const auto it =
          p.kind == "binary" && listed->size() == 1 ? listed->begin() : listed->find(file);
      if (it == listed->end())
        out.push_back(what + ": the signed index names no file " + file);
      else if (it->second != sum)
        out.push_back(what + ": " + file + " has SHA-256 " + sum + ", the signed index gives " +
                      it->second);
    }
  }
  return out;
}

}  // namespace hurdle::test
