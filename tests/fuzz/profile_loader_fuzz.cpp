// The machine-profile loader from raw bytes: a profile or hurdle's own ConfigError, never any
// other exception.
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "fuzz_input.hpp"
#include "qemu/machine_profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto file = hurdle::fuzz::as_file(bytes, "profile.yaml");
  try {
    // A given ${image}: no lock is read and nothing is fetched.
    const auto profile = hurdle::load_machine_profile(file, {{"image", "/dev/null"}});
    hurdle::check_machine_files(profile);
  } catch (const hurdle::ConfigError&) {
  } catch (const std::exception& e) {
    hurdle::fuzz::finding(std::string("load_machine_profile threw something else than "
                                      "ConfigError: ") +
                          e.what());
  }
  return 0;
}
