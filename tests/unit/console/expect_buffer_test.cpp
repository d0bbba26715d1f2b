#include "console/expect_buffer.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace hurdle {
namespace {

TEST(ExpectBuffer, MatchStraddlingTwoReads) {
  ExpectBuffer buf;
  ExpectScan scan({"login: "});
  buf.append("Debian GNU/Hurd\nhurdle log");
  EXPECT_FALSE(buf.search(scan));
  buf.append("in: ");
  auto m = buf.search(scan);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "login: ");
  EXPECT_EQ(m->before, "Debian GNU/Hurd\nhurdle ");
}

TEST(ExpectBuffer, ConsumesThroughTheMatch) {
  ExpectBuffer buf;
  buf.append("one\ntwo\none\n");
  ExpectScan first({"one"});
  ASSERT_TRUE(buf.search(first));
  ExpectScan second({"one"});
  auto m = buf.search(second);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->before, "\ntwo\n");
  ExpectScan third({"one"});
  EXPECT_FALSE(buf.search(third));
}

TEST(ExpectBuffer, EarliestMatchWinsAndReportsItsIndexAndGroups) {
  ExpectBuffer buf;
  buf.append("status=7 login: ");
  ExpectScan scan({"login: ", R"(status=(\d+))"});
  auto m = buf.search(scan);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->index, 1u);
  ASSERT_EQ(m->groups.size(), 1u);
  EXPECT_EQ(m->groups[0], "7");
}

TEST(ExpectBuffer, CaretMeansStartOfUnconsumedText) {
  ExpectBuffer buf;
  buf.append("xx# yy");
  ExpectScan prompt({"# "});
  ASSERT_TRUE(buf.search(prompt));
  ExpectScan anchored({"^yy"});
  EXPECT_TRUE(buf.search(anchored));
}

TEST(ExpectBuffer, WindowBoundsTheRescan) {
  // With a 16-byte window, a 40-byte match that straddles two reads is not seen (documented
  // limit), while one that fits the window is.
  ExpectBuffer buf(ExpectBuffer::Limits{16, 1 << 20});
  ExpectScan long_match({"A{20}B{20}"});
  buf.append(std::string(20, 'A'));
  EXPECT_FALSE(buf.search(long_match));
  buf.append(std::string(20, 'B'));
  EXPECT_FALSE(buf.search(long_match));

  ExpectBuffer buf2(ExpectBuffer::Limits{16, 1 << 20});
  ExpectScan short_match({"A{5}B{5}"});
  buf2.append(std::string(20, 'A'));
  EXPECT_FALSE(buf2.search(short_match));
  buf2.append(std::string(20, 'B'));
  EXPECT_TRUE(buf2.search(short_match));
}

TEST(ExpectBuffer, NothingNewMeansNoRescan) {
  ExpectBuffer buf;
  ExpectScan scan({"x"});
  buf.append("aaaa");
  EXPECT_FALSE(buf.search(scan));
  EXPECT_EQ(*scan.scanned_until, 4u);
  EXPECT_FALSE(buf.search(scan));
}

TEST(ExpectBuffer, WatcherFiresWithItsWholeLine) {
  ExpectBuffer buf;
  buf.add_watcher("panic", "panic ");
  buf.append("RTC time is 2026-11-24\npanic ../kern/boot");
  ASSERT_TRUE(buf.watcher_hit());
  EXPECT_EQ(buf.watcher_hit()->name, "panic");
  EXPECT_FALSE(buf.watcher_hit()->line_complete);
  buf.append("strap.c:181: bootstrap_create: No bootstrap code\nmore\n");
  EXPECT_TRUE(buf.watcher_hit()->line_complete);
  EXPECT_EQ(buf.watcher_hit()->line,
            "panic ../kern/bootstrap.c:181: bootstrap_create: No bootstrap code");
}

TEST(ExpectBuffer, WatcherSeesConsumedTextAndStraddlingMatches) {
  ExpectBuffer buf;
  buf.add_watcher("oops", "Kernel panic");
  buf.append("x Kernel pa");
  ExpectScan scan({"x "});
  ASSERT_TRUE(buf.search(scan));  // consumes "x ", the watcher is independent of consumption
  EXPECT_FALSE(buf.watcher_hit());
  buf.append("nic - not syncing\n");
  ASSERT_TRUE(buf.watcher_hit());
  EXPECT_EQ(buf.watcher_hit()->line, "x Kernel panic - not syncing");
}

// Many watchers are matched in one pass; whichever fires is found with its own name and line,
// from the first byte it could see (not before it was added), across reads.
TEST(ExpectBuffer, ManyWatchersOnePassEachFoundWhereItMatches) {
  ExpectBuffer buf;
  const char* const patterns[] = {"(?m)^panic[ :]", "(?m)^db> ", "zalloc: zone [^\n]* exhausted",
                                  "unexpected inconsistency", "ext2fs: [^\n]*Input/output error"};
  int n = 0;
  for (const char* p : patterns) buf.add_watcher("w" + std::to_string(n++), p);
  buf.append("booting\nnot a panic: here\nzalloc: zone ipc ports ");
  EXPECT_FALSE(buf.watcher_hit());
  buf.append("exhausted at 512\n");
  ASSERT_TRUE(buf.watcher_hit());
  EXPECT_EQ(buf.watcher_hit()->name, "w2");
  EXPECT_EQ(buf.watcher_hit()->line, "zalloc: zone ipc ports exhausted at 512");
  buf.clear_watcher_hit();
  // Added after "db> " went by, a watcher does not fire on it; it does on what comes next.
  buf.append("db> ");
  ASSERT_TRUE(buf.watcher_hit());
  EXPECT_EQ(buf.watcher_hit()->name, "w1");
  buf.clear_watcher_hit();
  buf.append("\nlate-one\n");
  buf.add_watcher("late", "late-one");
  buf.append("x\n");
  EXPECT_FALSE(buf.watcher_hit());
  buf.append("late-one again\n");
  ASSERT_TRUE(buf.watcher_hit());
  EXPECT_EQ(buf.watcher_hit()->name, "late");
}

// A watcher matches within one line: never across a newline, even with '.' or a class that
// would take one; a match that straddles reads inside a line is still found.
TEST(ExpectBuffer, AWatcherMatchesWithinOneLine) {
  ExpectBuffer buf;
  buf.add_watcher("two-lines", "panic.*sync|panic[^x]*sync");
  buf.append("panic\nsync\n");
  EXPECT_FALSE(buf.watcher_hit());
  buf.append("a long line " + std::string(3000, '.') + " panic in ");
  buf.append(std::string(500, '.') + " sync");
  ASSERT_TRUE(buf.watcher_hit());
  EXPECT_EQ(buf.watcher_hit()->offset,
            11u + 12 + 3000 + 1);  // after the first two lines and "a long line "
}

TEST(ExpectBuffer, HistoryCapDropsOldestUnconsumedText) {
  ExpectBuffer buf(ExpectBuffer::Limits{64, 100});
  buf.append("early-marker" + std::string(200, '.'));
  ExpectScan scan({"early-marker"});
  EXPECT_FALSE(buf.search(scan));
  EXPECT_EQ(buf.end_offset() - buf.consumed_offset(), 100u);
}

TEST(ExpectBuffer, TailAndInvalidPattern) {
  ExpectBuffer buf;
  buf.append("0123456789");
  EXPECT_EQ(buf.tail(4), "6789");
  EXPECT_THROW(ExpectScan({"(unclosed"}), ConsoleError);
}

TEST(ExpectBuffer, LargeStreamStaysBounded) {
  // 64 MiB through the buffer in 4 KiB reads: memory stays bounded by the history cap.
  ExpectBuffer buf(ExpectBuffer::Limits{4096, 1 << 20});
  ExpectScan scan({"never-there"});
  const std::string chunk(4096, 'x');
  for (int i = 0; i < 16384; ++i) {
    buf.append(chunk);
    ASSERT_FALSE(buf.search(scan));
  }
  buf.append("never-there");
  EXPECT_TRUE(buf.search(scan));
  EXPECT_EQ(buf.end_offset(), 64ull * 1024 * 1024 + 11);
}

}  // namespace
}  // namespace hurdle
