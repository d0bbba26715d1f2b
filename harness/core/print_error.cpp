#include "core/print_error.hpp"

#include <iostream>

#include "core/safe_text.hpp"

namespace hurdle {

void print_error(const std::string& text, const SecretMask& secrets) {
  std::cerr << safe_text(secrets.masked(text)) << "\n";
}

}  // namespace hurdle
