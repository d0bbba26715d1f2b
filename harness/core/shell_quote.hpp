// Quoting for a POSIX shell: SSH can only send the guest a command line (put/get build file
// names into it), and QEMU runs an `exec:` migration URI through the host's /bin/sh; both are
// quoted here, and nowhere else by hand.
#pragma once

#include <string>
#include <string_view>

namespace hurdle {

// 'text' with every ' written as '\'' : safe for any byte string in sh, ash, bash and dash.
inline std::string shell_quote(std::string_view text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  quoted += '\'';
  return quoted;
}

}  // namespace hurdle
