// ${...} expansion: the suite's names, the environment with and without a fallback, secrets,
// `$$`; and each mistake a ConfigError at the place given, naming what was expected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "config/variables.hpp"

namespace hurdle {
namespace {

using ::testing::HasSubstr;

const SourceLocation kAt{"suite.yaml", 7, 12};

// The ConfigError `text` gives, as what() says it.
std::string error_of(const std::string& text, const Variables& vars = {}) {
  try {
    expand_variables(text, vars, kAt);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().line, 7U);
    return e.what();
  }
  ADD_FAILURE() << "no error for " << text;
  return "";
}

TEST(Variables, NamesDollarsAndTextAroundThemExpand) {
  const Variables vars = {{"user", "root"}, {"dir", "/srv/x"}};
  EXPECT_EQ(expand_variables("ssh ${user}@h:${dir}/a", vars, kAt), "ssh root@h:/srv/x/a");
  EXPECT_EQ(expand_variables("cost $$5, $HOME stays, end $", vars, kAt),
            "cost $5, $HOME stays, end $");
  EXPECT_EQ(expand_variables("", vars, kAt), "");
}

TEST(Variables, TheEnvironmentIsReadWithOrWithoutAFallback) {
  ::setenv("HURDLE_TEST_VAR", "from-env", 1);
  ::unsetenv("HURDLE_TEST_UNSET");
  EXPECT_EQ(expand_variables("${env:HURDLE_TEST_VAR}", {}, kAt), "from-env");
  EXPECT_EQ(expand_variables("${env:HURDLE_TEST_UNSET:-fallback}", {}, kAt), "fallback");
  EXPECT_EQ(expand_variables("${env:HURDLE_TEST_VAR:-fallback}", {}, kAt), "from-env");
  EXPECT_THAT(error_of("${env:HURDLE_TEST_UNSET}"),
              HasSubstr("suite.yaml:7:12: the environment variable HURDLE_TEST_UNSET is not set"));
  ::unsetenv("HURDLE_TEST_VAR");
}

TEST(Variables, ASecretHasNoDefaultAndItsValueIsListedForMasking) {
  ::setenv("HURDLE_TEST_SECRET", "s3cr3t", 1);
  EXPECT_EQ(expand_variables("pw=${secret:HURDLE_TEST_SECRET}", {}, kAt), "pw=s3cr3t");
  EXPECT_EQ(secret_values_in("a ${secret:HURDLE_TEST_SECRET} b ${secret:HURDLE_TEST_NONE}"),
            std::vector<std::string>{"s3cr3t"});
  ::unsetenv("HURDLE_TEST_SECRET");
  EXPECT_THAT(error_of("${secret:HURDLE_TEST_SECRET}"), HasSubstr("a secret has no default"));
}

TEST(Variables, AnUnknownNameOrAnOpenBraceIsAnErrorNamingWhatWasExpected) {
  EXPECT_THAT(error_of("${nope}", {{"user", "root"}, {"dir", "/"}}),
              HasSubstr("suite.yaml:7:12: unknown variable ${nope}; known here: dir, user"));
  EXPECT_THAT(error_of("${user"), HasSubstr("unterminated '${'"));
  EXPECT_THAT(error_of("${user"), HasSubstr("expected '}'"));
}

}  // namespace
}  // namespace hurdle
