// The provenance rule, as tests read it: a MANIFEST that names the Debian packages something was
// made from (fixtures/guests/*/build and hurd-mini's build-from-source write them), and Debian's
// signed index, against which each package's files and SHA-256 are checked. The index is read
// from an InRelease file that gpgv verifies with Debian's archive keyring, and the Packages or
// Sources file it names, checked by the SHA-256 InRelease gives.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hurdle::test {

// One package of a MANIFEST: "  NAME VERSION (SUITE)" and under it "    SHA256  FILE" lines.
struct ManifestPackage {
  std::string kind;  // "source" or "binary"
  std::string name;
  std::string version;
  std::string suite;
  std::map<std::string, std::string> files;  // file name -> SHA-256
  int line = 0;
};

struct Manifest {
  std::string artifact;  // the "artifact:" line's value, if any
  std::vector<ManifestPackage> packages;
  // Every line that is not what a MANIFEST of Debian packages holds, as "FILE:LINE: why".
  std::vector<std::string> problems;
};

// Reads a MANIFEST. Its package sections start at "source packages (Debian" and "binary
// packages (Debian" and hold only Debian package names, versions and suites, each with at least
// one file named as Debian's pool names that package's files.
Manifest read_manifest(const std::filesystem::path& file);

// Whether `suite` names a suite of Debian's archive (bookworm, trixie-security, sid, ...).
bool is_debian_suite(const std::string& suite);
bool is_debian_package_name(const std::string& name);
bool is_debian_version(const std::string& version);

// One Packages or Sources file of Debian's archive, trusted because a verified InRelease names
// its SHA-256.
class SignedIndex {
 public:
  // `in_release` must carry a signature that gpgv accepts with Debian's archive keyring and
  // name `entry` (say "main/binary-amd64/Packages" or "main/source/Sources.xz") with the SHA-256
  // of `file`: of its bytes when `entry` names a compressed file, else of its text decompressed
  // (apt keeps "Packages" lz4-compressed). Throws std::runtime_error saying which check failed.
  SignedIndex(const std::filesystem::path& in_release, const std::string& entry,
              const std::filesystem::path& file);

  // The files of NAME at VERSION with the SHA-256 this index gives each (a binary package: its
  // .deb; a source package: every file of it), or nothing when the index does not list it.
  [[nodiscard]] std::optional<std::map<std::string, std::string>> files_of(
      const std::string& name, const std::string& version) const;

  [[nodiscard]] const std::string& suite() const { return suite_; }

 private:
  std::string content_;
  std::string suite_;  // InRelease's Suite
};

// A file's text, decompressed whatever its compression (none, gzip, xz, lz4: apt's lists).
std::string decompressed_text(const std::filesystem::path& file);

// The signed binary indexes apt keeps in `lists` (/var/lib/apt/lists): for each InRelease, its
// main/binary-amd64/Packages, keyed by the suite's name and codename. Throws when one does not
// verify.
std::map<std::string, SignedIndex> apt_binary_indexes(const std::filesystem::path& lists);

// What is wrong with the packages of `manifest` against `indexes` (keyed by suite): a package the
// suite's index does not list, a file it does not name, a SHA-256 that differs. Empty when all
// agree.
std::vector<std::string> mismatches(const Manifest& manifest,
                                    const std::map<std::string, SignedIndex>& indexes);

}  // namespace hurdle::test
