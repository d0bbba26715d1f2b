// How an error reaches the terminal, for every hurdle command: one line on stderr, through
// safe_text (errors quote guest output) and the run's secrets once they are known.
#pragma once

#include <string>

#include "core/secret_mask.hpp"

namespace hurdle {

void print_error(const std::string& text, const SecretMask& secrets = {});

}  // namespace hurdle
