// The Hurd profiles' boot markers, panic patterns and halted line against what a real Hurd
// printed (tests/data/consoles: the hurd-mini guest, GNU Mach and the Hurd built from Debian's
// sources). Markers are searched in order, each after the previous match, as the console's
// expect consumes; panic patterns line by line, as the watchers match.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <re2/re2.h>

#include <sstream>

#include "qemu/machine_profile.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string console(const std::string& name) {
  return test::read_file(test::source_dir() / "tests/data/consoles" / name);
}

MachineProfile hurd_profile(const std::string& name) {
  return load_machine_profile(test::source_dir() / "fixtures/machines" / (name + ".yaml"),
                              {{"image", "/images/hurd.qcow2"}});
}

// The whole line (of `text`) holding offset `at`.
std::string line_at(const std::string& text, std::size_t at) {
  const auto start = text.rfind('\n', at == 0 ? 0 : at - 1);
  const auto from = start == std::string::npos || at == 0 ? 0 : start + 1;
  return text.substr(from, text.find('\n', at) - from);
}

// Each marker's line, in the profile's order; "" for a marker that did not match.
std::vector<std::string> marker_lines(const MachineProfile& p, const std::string& text) {
  std::vector<std::string> lines;
  std::size_t from = 0;
  for (const auto& m : p.boot_markers) {
    const RE2 re(m.pattern);
    EXPECT_TRUE(re.ok()) << m.pattern;
    re2::StringPiece match;
    if (!re.Match(text, from, text.size(), RE2::UNANCHORED, &match, 1)) {
      lines.emplace_back();
      continue;
    }
    const auto at = static_cast<std::size_t>(match.data() - text.data());
    lines.push_back(line_at(text, at));
    from = at + match.size();
  }
  return lines;
}

// The panic pattern that matches first, line by line, with its line; empty when none does.
std::pair<std::string, std::string> first_panic(const MachineProfile& p, const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    for (const auto& w : p.panic_patterns)
      if (RE2::PartialMatch(line, w.pattern)) return {w.name, line};
  return {};
}

class HurdProfile : public ::testing::TestWithParam<const char*> {};

TEST_P(HurdProfile, EveryBootMarkerMatchesTheRealHurdsOwnLine) {
  const MachineProfile p = hurd_profile(GetParam());
  ASSERT_EQ(p.boot_markers.size(), 4u);
  const auto lines = marker_lines(p, console("hurd-mini-boot.txt"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[0], HasSubstr("Booting `Debian GNU/Hurd"));
  // GNU Mach's own output, not GRUB's "Loading GNU Mach ..." (the 64-bit GNU Mach's banner
  // never reaches the serial port: it prints before its com0 console exists).
  EXPECT_THAT(lines[1], ::testing::Not(HasSubstr("Loading GNU Mach")));
  EXPECT_THAT(lines[1], StartsWith("RTC time is "));
  EXPECT_THAT(lines[2], StartsWith("Hurd server bootstrap: ext2fs[device:rd0] exec startup"));
  EXPECT_EQ(lines[3], "hurd-mini login: ");
  EXPECT_EQ(first_panic(p, console("hurd-mini-boot.txt")).first, "");
}

TEST_P(HurdProfile, TheBannerOfA32BitGnuMachIsItsMarker) {
  const MachineProfile p = hurd_profile(GetParam());
  const auto lines = marker_lines(
      p, "  Booting `Debian GNU/Hurd'\n\nLoading GNU Mach ...\nGNU Mach 1.8+git20221224-486\n");
  EXPECT_EQ(lines.at(1), "GNU Mach 1.8+git20221224-486");
}

TEST_P(HurdProfile, GnuMachsPanicIsCaughtAndTheHaltIsNoPanic) {
  const MachineProfile p = hurd_profile(GetParam());
  const auto [name, line] = first_panic(p, console("hurd-mini-panic.txt"));
  EXPECT_EQ(name, "gnumach-panic");
  EXPECT_THAT(line, StartsWith("panic ../kern/bootstrap.c:319: bootstrap_create"));
  const std::string halt = console("hurd-mini-halt.txt");
  EXPECT_EQ(first_panic(p, halt).first, "");
  ASSERT_FALSE(p.power_off.halted_pattern.empty());
  EXPECT_TRUE(RE2::PartialMatch(halt, p.power_off.halted_pattern));
  EXPECT_EQ(p.power_off.command, "halt");
}

INSTANTIATE_TEST_SUITE_P(ShippedProfiles, HurdProfile,
                         ::testing::Values("hurd-amd64", "hurd-amd64-q35", "hurd-i386",
                                           "hurd-mini"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace hurdle
