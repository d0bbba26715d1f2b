// The exit statuses every hurdle command shares, and how an error reaches the terminal
// (hurdle::print_error, from scenario/suite_run.hpp). 0 all passed or valid, 1 some scenario
// failed, 2 bad input (a suite, a profile or an option), 3 the infrastructure failed (QEMU
// would not start, an image is missing).
#pragma once

#include "scenario/suite_run.hpp"

namespace hurdle::cli {

inline constexpr int kBadInput = kRunBadInput;
inline constexpr int kInfrastructure = kRunInfrastructure;

}  // namespace hurdle::cli
