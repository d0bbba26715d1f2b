#include "config/variables.hpp"

#include <cstdlib>

namespace hurdle {

std::string expand_variables(std::string_view text, const Variables& variables,
                             const SourceLocation& where) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out.push_back(text[i]);
      continue;
    }
    if (text[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out.push_back('$');
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      throw ConfigError(where, "unterminated '${' in '" + std::string(text) + "'; expected '}'");
    }
    const std::string name(text.substr(i + 2, close - i - 2));
    if (name.rfind("env:", 0) == 0) {
      std::string var = name.substr(4);
      std::string fallback;
      bool has_fallback = false;
      if (const auto dash = var.find(":-"); dash != std::string::npos) {
        fallback = var.substr(dash + 2);
        var.resize(dash);
        has_fallback = true;
      }
      const char* value = std::getenv(var.c_str());
      if (value != nullptr && *value != '\0') {
        out += value;
      } else if (has_fallback) {
        out += fallback;
      } else {
        throw ConfigError(where, "the environment variable " + var + " is not set (used as ${" +
                                     name + "}); set it or write ${env:" + var + ":-default}");
      }
    } else if (auto it = variables.find(name); it != variables.end()) {
      out += it->second;
    } else {
      std::string known;
      for (const auto& [k, v] : variables) known += (known.empty() ? "" : ", ") + k;
      throw ConfigError(where, "unknown variable ${" + name + "}" +
                                   (known.empty() ? std::string() : "; known here: " + known));
    }
    i = close;
  }
  return out;
}

}  // namespace hurdle
