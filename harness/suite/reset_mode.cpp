#include "suite/reset_mode.hpp"

#include <array>
#include <utility>

namespace hurdle {

namespace {

constexpr std::array<std::pair<const char*, Suite::Reset>, 3> kModes = {{
    {"clone", Suite::Reset::kClone},
    {"snapshot", Suite::Reset::kSnapshot},
    {"reboot", Suite::Reset::kReboot},
}};

}  // namespace

const char* to_string(Suite::Reset mode) {
  for (const auto& [name, m] : kModes)
    if (m == mode) return name;
  return "?";
}

std::optional<Suite::Reset> reset_mode_named(const std::string& name) {
  for (const auto& [n, m] : kModes)
    if (name == n) return m;
  return std::nullopt;
}

std::vector<std::string> reset_mode_names() {
  std::vector<std::string> out;
  for (const auto& [name, m] : kModes) out.emplace_back(name);
  return out;
}

std::string reset_mode_choices() {
  std::string out;
  for (std::size_t i = 0; i < kModes.size(); ++i)
    out += std::string(i == 0 ? "" : i + 1 == kModes.size() ? " or " : ", ") + kModes[i].first;
  return out;
}

}  // namespace hurdle
