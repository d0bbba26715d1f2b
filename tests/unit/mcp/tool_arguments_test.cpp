#include "mcp/tool_arguments.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hurdle::mcp {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

const Json kSchema = {
    {"type", "object"},
    {"properties",
     {{"name", {{"type", "string"}, {"minLength", 1}}},
      {"jobs", {{"type", "integer"}, {"minimum", 1}, {"maximum", 64}}},
      {"accel", {{"type", "string"}, {"enum", {"kvm", "tcg"}}}},
      {"files", {{"type", "array"}, {"items", {{"type", "string"}}}, {"minItems", 1}}},
      {"wait", {{"type", "boolean"}}}}},
    {"required", {"name"}}};

std::string error_of(const Json& arguments) {
  try {
    check_arguments(kSchema, arguments);
  } catch (const ToolArgumentError& e) {
    return e.what();
  }
  return "";
}

TEST(ToolArguments, GoodArgumentsPass) {
  EXPECT_EQ(error_of({{"name", "vm"}}), "");
  EXPECT_EQ(
      error_of(
          {{"name", "vm"}, {"jobs", 2}, {"accel", "tcg"}, {"files", {"a.yaml"}}, {"wait", false}}),
      "");
}

TEST(ToolArguments, EachWrongArgumentIsNamed) {
  EXPECT_EQ(error_of({{"name", 42}}), "argument 'name': expected a string, got 42");
  EXPECT_EQ(error_of(Json::object()), "argument 'name' is required");
  EXPECT_EQ(error_of({{"name", ""}}), "argument 'name': must not be empty");
  EXPECT_EQ(error_of({{"name", "v"}, {"jobs", 1.5}}),
            "argument 'jobs': expected an integer, got 1.5");
  EXPECT_EQ(error_of({{"name", "v"}, {"jobs", 0}}), "argument 'jobs': at least 1, got 0");
  EXPECT_EQ(error_of({{"name", "v"}, {"jobs", 65}}), "argument 'jobs': at most 64, got 65");
  EXPECT_EQ(error_of({{"name", "v"}, {"accel", "hvf"}}),
            "argument 'accel': expected one of \"kvm\", \"tcg\", got \"hvf\"");
  EXPECT_EQ(error_of({{"name", "v"}, {"files", {"a", 3}}}),
            "argument 'files[1]': expected a string, got 3");
  EXPECT_EQ(error_of({{"name", "v"}, {"files", Json::array()}}),
            "argument 'files': at least 1 item(s)");
  EXPECT_EQ(error_of({{"name", "v"}, {"wait", "yes"}}),
            "argument 'wait': expected a boolean, got \"yes\"");
  EXPECT_THAT(error_of({{"name", "v"}, {"colour", "red"}}),
              HasSubstr("argument 'colour' is not one this tool takes (it takes: accel, files, "
                        "jobs, name, wait)"));
  EXPECT_EQ(error_of(Json::array()), "arguments: expected an object, got []");
  // A hostile argument name is shown, not executed.
  EXPECT_THAT(error_of({{"name", "v"}, {"\x1b[2J", 1}}), HasSubstr("argument '\xe2\x90\x9b[2J'"));
}

}  // namespace
}  // namespace hurdle::mcp
