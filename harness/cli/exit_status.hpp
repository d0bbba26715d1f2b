// The exit statuses every hurdle command shares, and how an error reaches the terminal.
// 0 all passed or valid, 1 some scenario failed, 2 bad input (a suite, a profile or an
// option), 3 the infrastructure failed (QEMU would not start, an image is missing).
#pragma once

#include <iostream>
#include <string>

#include "core/safe_text.hpp"
#include "core/secret_mask.hpp"
#include "scenario/suite_run.hpp"

namespace hurdle::cli {

inline constexpr int kBadInput = kRunBadInput;
inline constexpr int kInfrastructure = kRunInfrastructure;

// Every message for the terminal goes through safe_text (errors quote guest output), and
// through the suites' secrets once they are known.
inline void print_error(const std::string& text, const SecretMask& secrets = {}) {
  std::cerr << safe_text(secrets.masked(text)) << "\n";
}

}  // namespace hurdle::cli
