#include "core/name_rules.hpp"

namespace hurdle {

bool valid_name(std::string_view name, NameDots dots) {
  if (name.empty() || name.size() > kMaxNameLength || name.front() == '.' || name.front() == '-')
    return false;
  for (const char c : name) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !digit && c != '_' && c != '-' && !(c == '.' && dots == NameDots::kAllowed))
      return false;
  }
  return true;
}

}  // namespace hurdle
