// The control channel hands a client the supervisor's error as the type it was: every kind
// of core/error.hpp's tree crosses as itself, an SSH time-out stays catchable as both an SSH
// error and a time-out, and what cannot cross as itself arrives as a plain Error with its text.
#include <gtest/gtest.h>

#include <string>
#include <typeinfo>

#include "core/error.hpp"
#include "mcp/tool_arguments.hpp"
#include "vm/control_channel.hpp"

namespace hurdle {
namespace {

// The error the reply of `thrown` rebuilds, caught as Error.
template <typename E>
std::string rebuilt_kind(const E& thrown, std::string* text = nullptr) {
  const nlohmann::json reply = error_reply(thrown);
  try {
    throw_error_reply(reply);
  } catch (const Error& e) {
    if (text != nullptr) *text = e.what();
    return e.kind();
  }
  return "(nothing thrown)";
}

TEST(ControlError, EveryKindOfTheTreeCrossesAsItself) {
  const auto& kinds = rebuildable_error_kinds();
  ASSERT_GE(kinds.size(), 17U);
  for (const std::string& kind : kinds) {
    try {
      rethrow_as_kind(kind, "what " + kind + " says");
    } catch (const Error& e) {
      std::string text;
      EXPECT_EQ(rebuilt_kind(e, &text), kind);
      EXPECT_EQ(text, "what " + kind + " says");
    }
  }
}

TEST(ControlError, TheTypesThrownBySupervisorsCrossAsTheirOwnType) {
  EXPECT_EQ(rebuilt_kind(ConfigError({"suite.yaml", 3, 1}, "expected a list")), "ConfigError");
  EXPECT_EQ(rebuilt_kind(QemuError("qemu ended", {"qemu-system-x86_64"}, "exited", "log")),
            "QemuError");
  EXPECT_EQ(rebuilt_kind(HostKeyChanged("another key")), "HostKeyChanged");
  EXPECT_EQ(rebuilt_kind(TransferError("a name outside")), "TransferError");
  EXPECT_EQ(rebuilt_kind(HostError("cannot lock")), "HostError");
  EXPECT_EQ(rebuilt_kind(ControlError("no answer")), "ControlError");
}

TEST(ControlError, AnSshTimeOutIsCaughtAsAnSshErrorAndAsATimeOut) {
  const nlohmann::json reply = error_reply(SshTimeoutError("`sleep 9` did not finish within 1 s"));
  EXPECT_EQ(reply["kind"], "SshTimeoutError");
  EXPECT_THROW(throw_error_reply(reply), SshError);
  EXPECT_THROW(throw_error_reply(reply), TimeoutError);
  try {
    throw SshTimeoutError("late");
  } catch (const Error& e) {  // one Error base, not two
    EXPECT_STREQ(e.what(), "late");
  }
}

TEST(ControlError, WhatCannotCrossAsItselfArrivesAsAnErrorWithItsText) {
  std::string text;
  EXPECT_EQ(rebuilt_kind(mcp::ToolArgumentError("argument 'x': expected a string"), &text),
            "Error");  // an MCP argument error is the MCP server's, not the supervisor's
  EXPECT_EQ(text, "argument 'x': expected a string");
  const nlohmann::json unknown = {{"ok", false}, {"kind", "NoSuchKind"}, {"error", "odd"}};
  try {
    throw_error_reply(unknown);
  } catch (const Error& e) {
    EXPECT_EQ(typeid(e), typeid(Error));
    EXPECT_STREQ(e.what(), "odd");
  }
  const nlohmann::json std_error = error_reply(std::runtime_error("not ours"));
  EXPECT_EQ(std_error["kind"], "Error");
}

}  // namespace
}  // namespace hurdle
