// What the result parsers share: a file's lines one by one with their numbers, and a test's
// output kept within kMaxImportedOutput (its head and its tail).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/bounded_output.hpp"
#include "results/imported_test.hpp"

namespace hurdle {

// Calls each(line, number) for every line of `text` (without its "\n" or "\r\n"), numbered
// from 1, until `each` returns false.
template <typename Each>
void for_each_line(std::string_view text, Each each) {
  std::size_t number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!each(line, ++number)) return;
    start = end + 1;
  }
}

// A test's output as kept: within kMaxImportedOutput, its head and its tail.
class TestOutput {
 public:
  void add_line(std::string_view line) {
    kept_.append(line.data(), line.size());
    kept_.append("\n", 1);
  }
  void add(std::string_view text) { kept_.append(text.data(), text.size()); }
  [[nodiscard]] std::string text() const { return kept_.text(); }

 private:
  BoundedOutput kept_{kMaxImportedOutput};
};

}  // namespace hurdle
