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
    if (name.rfind("secret:", 0) == 0) {
      const std::string var = name.substr(7);
      const char* value = std::getenv(var.c_str());
      if (value == nullptr || *value == '\0')
        throw ConfigError(where, "the environment variable " + var + " is not set (used as ${" +
                                     name + "}); a secret has no default: set it");
      out += value;
    } else if (name.rfind("env:", 0) == 0) {
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

std::vector<std::string> secret_values_in(std::string_view text) {
  std::vector<std::string> values;
  for (std::size_t at = text.find("${secret:"); at != std::string_view::npos;
       at = text.find("${secret:", at + 1)) {
    const std::size_t close = text.find('}', at);
    if (close == std::string_view::npos) break;
    const std::string var(text.substr(at + 9, close - at - 9));
    if (const char* value = std::getenv(var.c_str()); value != nullptr && *value != '\0')
      values.emplace_back(value);
  }
  return values;
}

std::string literal_text(std::string_view text) {
  std::string out;
  for (const char c : text) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

}  // namespace hurdle
