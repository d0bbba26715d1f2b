// Checksum lists as Debian's image directories serve them (SHA512SUMS, SHA256SUMS): coreutils
// lines "<hex>  <name>" (or "<hex> *<name>" for binary mode) and BSD lines
// "SHA512 (<name>) = <hex>". The image store reads the digest of an unpinned file from them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/digest.hpp"

namespace hurdle {

// The digest listed for `file_name` (compared whole, after any "./"), checked to be
// `algorithm`'s length; nullopt when the list does not name the file.
std::optional<Digest> find_in_checksum_list(std::string_view list, const std::string& file_name,
                                            DigestAlgorithm algorithm);

}  // namespace hurdle
