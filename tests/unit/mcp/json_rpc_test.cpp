#include "mcp/json_rpc.hpp"

#include <gtest/gtest.h>

namespace hurdle::mcp {
namespace {

TEST(JsonRpc, ARequestANotificationAndAResponse) {
  auto p = parse_line(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"a":1}})");
  ASSERT_TRUE(p.message);
  EXPECT_EQ(p.message->kind, RpcMessage::Kind::kRequest);
  EXPECT_EQ(p.message->id, 7);
  EXPECT_EQ(p.message->method, "tools/list");
  EXPECT_EQ(p.message->params["a"], 1);
  p = parse_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(p.message);
  EXPECT_EQ(p.message->kind, RpcMessage::Kind::kNotification);
  p = parse_line(R"({"jsonrpc":"2.0","id":"x","result":{}})");
  ASSERT_TRUE(p.message);
  EXPECT_EQ(p.message->kind, RpcMessage::Kind::kResponse);
}

TEST(JsonRpc, EachMalformedLineGetsTheSpecificationsCode) {
  struct Case {
    const char* line;
    int code;
    bool id_known;
  };
  for (const Case& c :
       {Case{"{not json", kParseError, false}, Case{"\x1b[31m\xff\xfe", kParseError, false},
        Case{R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", kInvalidRequest, false},
        Case{"42", kInvalidRequest, false},
        Case{R"({"jsonrpc":"1.0","id":1,"method":"ping"})", kInvalidRequest, true},
        Case{R"({"jsonrpc":"2.0","id":1})", kInvalidRequest, true},
        Case{R"({"jsonrpc":"2.0","id":1,"method":3})", kInvalidRequest, true},
        Case{R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})", kInvalidRequest, false},
        Case{R"({"jsonrpc":"2.0","id":1,"method":"x","params":[1]})", kInvalidParams, true}}) {
    const ParsedLine p = parse_line(c.line);
    ASSERT_TRUE(p.error) << c.line;
    EXPECT_FALSE(p.message) << c.line;
    EXPECT_EQ(p.error->code, c.code) << c.line;
    EXPECT_EQ(p.id.is_null(), !c.id_known) << c.line;
  }
}

TEST(JsonRpc, RepliesCarryTheIdAndTheVersion) {
  const auto ok = result_reply("a", {{"x", 1}});
  EXPECT_EQ(ok.dump(), R"({"id":"a","jsonrpc":"2.0","result":{"x":1}})");
  const auto error = error_reply(nullptr, {kMethodNotFound, "Method not found"});
  EXPECT_EQ(error["error"]["code"], -32601);
  EXPECT_TRUE(error["id"].is_null());
}

}  // namespace
}  // namespace hurdle::mcp
