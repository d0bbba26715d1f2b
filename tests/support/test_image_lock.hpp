// Image locks for tests: entries for the Hurd-shaped test disks (fixtures/guests/hurd-disk),
// served by a test's own HTTP server, prepared with the very recipes the shipped lock gives
// Debian's images (copied from fixtures/images.lock.yaml, so a change there is tested here).
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/paths.hpp"

namespace hurdle::test {

inline const std::string kAmd64Disk = "hurd-shaped-amd64-20261125.img.tar.xz";
inline const std::string kI386Disk = "hurd-shaped-i386-20261125.img.gz";

// The folder the hurd-disk fixture builds into.
inline std::filesystem::path hurd_disk_dir() { return guest_dir("hurd-disk"); }

// "sha512:<hex>" of `file` from the fixture's SHA512SUMS (or SHA256SUMS).
inline std::string fixture_digest(const std::string& file, const std::string& list = "SHA512SUMS") {
  std::ifstream in(hurd_disk_dir() / list);
  for (std::string hex, name; in >> hex >> name;)
    if (name == file) return (list == "SHA512SUMS" ? "sha512:" : "sha256:") + hex;
  return "";
}

struct TestImage {
  std::string name;
  std::vector<std::string> urls;
  std::string archive = "tar.xz";
  std::string member;
  std::optional<std::string> digest;
  std::vector<std::string> prepare = {"hurd-serial-console", "hurd-ssh-key"};
  std::string extra;  // more YAML lines for the entry, indented by 4
};

// An entry for the amd64-shaped disk at `url`, pinned to the fixture's digest.
inline TestImage amd64_disk(const std::string& name, const std::string& url) {
  TestImage t;
  t.name = name;
  t.urls = {url};
  t.member = "hurd-shaped-amd64-20261125.img";
  t.digest = fixture_digest(kAmd64Disk);
  return t;
}

// An entry for the i386-shaped disk (gzip, root in partition 5) at `url`.
inline TestImage i386_disk(const std::string& name, const std::string& url,
                           const std::string& list = "SHA512SUMS") {
  TestImage t;
  t.name = name;
  t.urls = {url};
  t.archive = "gz";
  t.digest = fixture_digest(kI386Disk, list);
  return t;
}

inline void write_test_lock(const std::filesystem::path& file,
                            const std::vector<TestImage>& images) {
  const YAML::Node shipped = YAML::LoadFile((source_dir() / "fixtures/images.lock.yaml").string());
  YAML::Emitter recipes;
  recipes << shipped["recipes"];
  std::ostringstream out;
  out << "# written by a test\nrecipes:\n";
  std::istringstream lines(recipes.c_str());
  for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
  out << "images:\n";
  for (const auto& i : images) {
    out << "  " << i.name << ":\n    urls:\n";
    for (const auto& u : i.urls) out << "      - " << u << "\n";
    out << "    archive: " << i.archive << "\n";
    if (!i.member.empty()) out << "    member: " << i.member << "\n";
    if (i.digest) out << "    digest: " << *i.digest << "\n";
    out << "    prepare: [";
    for (std::size_t k = 0; k < i.prepare.size(); ++k) out << (k ? ", " : "") << i.prepare[k];
    out << "]\n" << i.extra;
  }
  std::ofstream(file) << out.str();
}

}  // namespace hurdle::test
