// The command channel's reply as hostile input: the same outcome however the bytes are cut,
// what is not the reply ignored, and everything malformed an error naming its line.
#include "console/channel_reply.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base64.hpp"
#include "core/error.hpp"

namespace hurdle {
namespace {

using ::testing::HasSubstr;

const std::string kReplyNonce = "hurdle-0123";

std::string reply_text(const std::string& out, const std::string& err, const std::string& status) {
  return "\n" + kReplyNonce + " out\n" + (out.empty() ? "" : base64_encode(out) + "\n") +
         kReplyNonce + " err\n" + (err.empty() ? "" : base64_encode(err) + "\n") + kReplyNonce +
         " status " + status + "\n";
}

std::string reply_error(const std::string& text, std::size_t limit = 1024) {
  ChannelReply reply(kReplyNonce, limit);
  try {
    reply.feed(text);
  } catch (const ConsoleError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ChannelReply, GivesStdoutStderrAndStatusHoweverTheBytesAreCut) {
  const std::string text = "left over\n" + reply_text("hello\nworld", "oops\n", "3");
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    ChannelReply reply(kReplyNonce);
    const bool whole = reply.feed(text.substr(0, cut));
    EXPECT_EQ(whole, cut == text.size()) << cut;
    if (!whole) {
      EXPECT_TRUE(reply.feed(text.substr(cut))) << cut;
    }
    const ChannelResult r = reply.result();
    EXPECT_EQ(r.exit_status, 3);
    EXPECT_EQ(r.out, "hello\nworld");
    EXPECT_EQ(r.err, "oops\n");
    EXPECT_EQ(reply.before(), "left over\n");
  }
}

TEST(ChannelReply, AnEarlierCommandsFramesAndTheCommandsOwnWordsDoNotEndIt) {
  // A late reply to an earlier command, then this one, whose stdout says this nonce's words.
  const std::string text =
      "hurdle-9999 out\nhurdle-9999 status 0\n" + reply_text(kReplyNonce + " status 0\n", "", "0");
  ChannelReply reply(kReplyNonce);
  ASSERT_TRUE(reply.feed(text));
  EXPECT_EQ(reply.result().out, kReplyNonce + " status 0\n");
  EXPECT_EQ(reply.before_bytes(), std::string("hurdle-9999 out\nhurdle-9999 status 0\n").size());
}

TEST(ChannelReply, ToleratesATerminalThatEndsLinesWithCarriageReturns) {
  std::string text = reply_text("x", "", "0");
  std::string crlf;
  for (const char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  ChannelReply reply(kReplyNonce);
  ASSERT_TRUE(reply.feed(crlf));
  EXPECT_EQ(reply.result().out, "x");
}

TEST(ChannelReply, KeepsEachStreamWithinItsLimitAndCountsWhatCame) {
  const std::string big(10000, 'a');
  ChannelReply reply(kReplyNonce, 100);
  ASSERT_TRUE(reply.feed(reply_text(big, "", "0")));
  const ChannelResult r = reply.result();
  EXPECT_EQ(r.out_bytes, big.size());
  EXPECT_LT(r.out.size(), 200u);
  EXPECT_THAT(r.out, HasSubstr("not kept"));
}

TEST(ChannelReply, MalformedRepliesAreErrorsNamingTheLine) {
  EXPECT_THAT(reply_error("\n" + kReplyNonce + " out\nnot*base64\n"),
              HasSubstr("'not*base64' in the command's stdout, expected base64 (line 3)"));
  EXPECT_THAT(reply_error("\n" + kReplyNonce + " out\n" + kReplyNonce + " err\n%%%%\n"),
              HasSubstr("in the command's stderr, expected base64 (line 4)"));
  EXPECT_THAT(reply_error(reply_text("", "", "256")),
              HasSubstr("status '256', expected a number from 0 to 255 (line 4)"));
  EXPECT_THAT(reply_error(reply_text("", "", "-1")), HasSubstr("status '-1'"));
  EXPECT_THAT(reply_error(reply_text("", "", "0x1")), HasSubstr("status '0x1'"));
  EXPECT_THAT(reply_error(std::string(ChannelReply::kMaxLine + 1, 'j') + "\n"),
              HasSubstr("a line of more than 65536 bytes before the reply's start (line 1)"));
  // A terminal's escape in what is shown is made harmless.
  EXPECT_THAT(reply_error("\n" + kReplyNonce + " out\n\x1b]0;x\n"), HasSubstr("␛"));
}

TEST(ChannelReply, WhatComesBeforeTheReplyIsKeptWithinBounds) {
  ChannelReply reply(kReplyNonce);
  for (int i = 0; i < 1000; ++i) reply.feed(std::string(60, 'j') + "\n");
  EXPECT_FALSE(reply.done());
  EXPECT_EQ(reply.before_bytes(), 61000u);
  EXPECT_LE(reply.before().size(), ChannelReply::kKeptJunk + 1);
}

}  // namespace
}  // namespace hurdle
