#include "run/gtest_flags.hpp"

#include <charconv>
#include <limits>
#include <string_view>

#include "core/error.hpp"

namespace hurdle {

namespace {

// The value of `--gtest_NAME=VALUE` when `flag` is that flag, else nothing.
std::optional<std::string_view> value_of(std::string_view flag, std::string_view name) {
  if (flag.substr(0, name.size()) != name || flag.size() <= name.size() || flag[name.size()] != '=')
    return std::nullopt;
  return flag.substr(name.size() + 1);
}

std::int64_t whole_number(std::string_view flag, std::string_view text, std::int64_t low,
                          std::int64_t high) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < low ||
      value > high)
    throw ConfigError({}, std::string(flag) + ": expected a whole number from " +
                              std::to_string(low) + " to " + std::to_string(high));
  return value;
}

}  // namespace

void apply_gtest_flag(RunRequest& request, const std::string& flag) {
  const std::string_view f = flag;
  if (f == "--gtest_list_tests") {
    request.list = true;
  } else if (f == "--gtest_shuffle") {
    request.shuffle = true;
  } else if (f == "--gtest_fail_fast") {
    request.fail_fast = true;
  } else if (f == "--gtest_also_run_disabled_tests" || f.substr(0, 13) == "--gtest_brief" ||
             f.substr(0, 13) == "--gtest_color") {
    // Nothing is disabled; hurdle's lines are its own.
  } else if (const auto repeat = value_of(f, "--gtest_repeat")) {
    const auto n = whole_number(f, *repeat, -1, 100000);
    if (n == -1 || n == 0)
      throw ConfigError({}, flag +
                                ": hurdle runs a scenario at least once and never forever: "
                                "give --repeat N with N of at least 1");
    request.repeat = static_cast<int>(n);
  } else if (const auto seed = value_of(f, "--gtest_random_seed")) {
    request.seed = static_cast<std::uint32_t>(
        whole_number(f, *seed, 0, std::numeric_limits<std::uint32_t>::max()));
  } else if (f.substr(0, 14) == "--gtest_filter") {
    throw ConfigError({},
                      flag +
                          ": GoogleTest's filter reads the first '-' as the start of what "
                          "to leave out, which hurdle's names hold: use --filter and --exclude");
  } else if (f.substr(0, 14) == "--gtest_output") {
    throw ConfigError({}, flag + ": hurdle writes its own JUnit file: use --junit PATH");
  } else {
    throw ConfigError({},
                      flag + ": not an option of `hurdle run` (`hurdle run --help` lists them)");
  }
}

}  // namespace hurdle
