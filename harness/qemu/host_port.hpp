// Picks TCP ports on 127.0.0.1 that are free right now, for QEMU's host forwards. Another
// process can take one before QEMU binds it; Machine retries the start when that happens.
#pragma once

#include <cstdint>

namespace hurdle {

[[nodiscard]] std::uint16_t free_loopback_port();

}  // namespace hurdle
