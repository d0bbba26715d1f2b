// Base64 (RFC 4648, the standard alphabet with `=` padding): MCP's images, and the command
// channel's frames, whose lines come from the guest and are checked strictly.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hurdle {

[[nodiscard]] std::string base64_encode(std::string_view bytes);

// The bytes of `text`, which must be whole groups of four characters of the alphabet with
// padding only at its end; nullopt for anything else (a stray character, a cut group).
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace hurdle
