// ${...} expansion in input files: ${name} from a caller-given table, ${env:NAME} and
// ${env:NAME:-fallback} from the environment, ${secret:NAME} from the environment too, as a
// value that must never be written (see secret_values_in). Unknown names are errors at the
// given location.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace hurdle {

using Variables = std::map<std::string, std::string>;

// Expands every ${...} in `text`. `$$` stands for a literal `$`.
std::string expand_variables(std::string_view text, const Variables& variables,
                             const SourceLocation& where);

// `text` written so that expand_variables() gives it back as it is (each `$` as `$$`): for
// files hurdle writes for itself (hurdle exec's suite, hurdle mach-test's profiles).
std::string literal_text(std::string_view text);

// The values of the ${secret:NAME} in `text` that are set (for masking them everywhere).
std::vector<std::string> secret_values_in(std::string_view text);

}  // namespace hurdle
