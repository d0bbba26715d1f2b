// The cache and work folders, each resolved in one place: an option's, else the environment's,
// else the user's cache folder.
#include "core/cache_directory.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace hurdle {
namespace {

// The variable set to `value` (or unset) while it lives; as it was after.
struct Env {
  std::string name;
  std::optional<std::string> old;
  Env(std::string n, const char* value) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) old = v;
    if (value)
      ::setenv(name.c_str(), value, 1);
    else
      ::unsetenv(name.c_str());
  }
  ~Env() {
    if (old)
      ::setenv(name.c_str(), old->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
};

TEST(WorkDirectory, AnOptionThenHurdleWorkDirThenTheCachesRuns) {
  const Env cache("HURDLE_CACHE_DIR", "/c");
  {
    const Env work("HURDLE_WORK_DIR", nullptr);
    EXPECT_EQ(work_directory(std::nullopt), "/c/runs");
    EXPECT_EQ(work_directory(std::filesystem::path("/given")), "/given");
  }
  const Env work("HURDLE_WORK_DIR", "/w");
  EXPECT_EQ(work_directory(std::nullopt), "/w");
  EXPECT_EQ(work_directory(std::filesystem::path("/given")), "/given");
  const Env empty("HURDLE_WORK_DIR", "");
  EXPECT_EQ(work_directory(std::nullopt), "/c/runs");
}

TEST(CacheDirectory, AnOptionThenTheUsersCacheFolder) {
  const Env cache("HURDLE_CACHE_DIR", "/c");
  EXPECT_EQ(cache_directory(std::nullopt), "/c");
  EXPECT_EQ(cache_directory(std::filesystem::path("/given")), "/given");
}

}  // namespace
}  // namespace hurdle
