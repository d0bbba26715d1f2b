// ${...} expansion in input files: ${name} from a caller-given table, ${env:NAME} and
// ${env:NAME:-fallback} from the environment. Unknown names are errors at the given location.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace hurdle {

using Variables = std::map<std::string, std::string>;

// Expands every ${...} in `text`. `$$` stands for a literal `$`.
std::string expand_variables(std::string_view text, const Variables& variables,
                             const SourceLocation& where);

}  // namespace hurdle
