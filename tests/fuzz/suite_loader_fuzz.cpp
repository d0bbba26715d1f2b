// The suite loader from raw bytes: whatever the file holds, loading ends in a suite or in
// hurdle's own ConfigError (file, line, what was expected); any other exception is a finding.
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "fuzz_input.hpp"
#include "suite/suite_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto file = hurdle::fuzz::as_file(bytes, "suite.yaml");
  try {
    (void)hurdle::load_suite(file,
                             {std::filesystem::path(HURDLE_FUZZ_SOURCE_DIR) / "fixtures/machines"});
  } catch (const hurdle::ConfigError&) {
  } catch (const std::exception& e) {
    hurdle::fuzz::finding(std::string("load_suite threw something else than ConfigError: ") +
                          e.what());
  }
  return 0;
}
