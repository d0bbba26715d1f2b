// Uses the installed headers and library: prints the version and shows that errors carry
// their source location, so a link against libhurdle is really exercised.
#include <hurdle/hurdle.hpp>

#include <iostream>

int main() {
  try {
    throw hurdle::ConfigError({"suite.yaml", 3, 7}, "expected a mapping");
  } catch (const hurdle::Error& e) {
    std::cout << "hurdle " << hurdle::kVersion << "\n" << e.what() << "\n";
  }
  return 0;
}
