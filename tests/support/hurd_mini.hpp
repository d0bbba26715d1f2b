// Whether the hurd-mini guest is built here, and if not, why. Its root filesystem is made from
// Debian's hurd and glibc sources (fixtures/guests/hurd-mini/build-from-source), which only a
// machine whose archive serves them can do; elsewhere fixtures/guests/hurd-mini/build leaves no
// disk and writes the reason, with the command that builds it, to GUESTS/hurd-mini/SKIPPED.
// The tests and the benchmark that boot hurd-mini skip with that reason.
#pragma once

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace hurdle::test {

// Nothing when GUESTS/hurd-mini holds the disk; else the one line that says why not.
inline std::optional<std::string> hurd_mini_missing(const std::filesystem::path& guests) {
  const std::filesystem::path dir = guests / "hurd-mini";
  if (std::filesystem::exists(dir / "hurd-mini.qcow2")) return std::nullopt;
  std::ifstream skipped(dir / "SKIPPED");
  std::string why;
  if (!std::getline(skipped, why) || why.empty())
    why = "the test guests are not built in " + guests.string() +
          ": cmake --build BUILD --target guests (or ctest, whose fixture builds them)";
  return why;
}

}  // namespace hurdle::test
