// Lines out of a byte stream, whatever the reads' splits, with overlong lines dropped.
#include "core/line_buffer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace hurdle {
namespace {

struct SeenLines {
  std::vector<std::string> lines;
  std::vector<std::size_t> overlong;
};

SeenLines split(const std::string& stream, std::size_t max_line, std::mt19937* random) {
  LineBuffer buffer(max_line);
  SeenLines seen;
  for (std::size_t at = 0; at < stream.size();) {
    const std::size_t n =
        random ? std::min<std::size_t>(stream.size() - at, 1 + (*random)() % 7) : stream.size();
    buffer.feed(
        std::string_view(stream).substr(at, n),
        [&](std::string_view line) { seen.lines.emplace_back(line); },
        [&](std::size_t length) { seen.overlong.push_back(length); });
    at += n;
  }
  return seen;
}

TEST(LineBuffer, SplitsLinesWhateverTheReadsAndDropsOverlongOnes) {
  const std::string stream =
      "{\"QMP\": 1}\r\n" + std::string(100, 'x') + "\n{\"return\": {}}\n\npartial";
  std::mt19937 random(3);
  for (int round = 0; round < 50; ++round) {
    const SeenLines seen = split(stream, 64, round == 0 ? nullptr : &random);
    ASSERT_EQ(seen.lines.size(), 3u) << round;
    EXPECT_EQ(seen.lines[0], "{\"QMP\": 1}");
    EXPECT_EQ(seen.lines[1], "{\"return\": {}}");
    EXPECT_EQ(seen.lines[2], "");
    ASSERT_EQ(seen.overlong.size(), 1u);
    EXPECT_EQ(seen.overlong[0], 100u);
  }
}

TEST(LineBuffer, AnEndlessLineKeepsMemoryBounded) {
  LineBuffer buffer(1024);
  const std::string chunk(65536, 'y');
  std::size_t lines = 0;
  for (int i = 0; i < 4096; ++i)  // 256 MiB without a newline
    buffer.feed(
        chunk, [&](std::string_view) { ++lines; }, [](std::size_t) {});
  std::size_t overlong = 0;
  buffer.feed(
      "\nok\n", [&](std::string_view line) { lines += line == "ok"; },
      [&](std::size_t length) { overlong = length; });
  EXPECT_EQ(lines, 1u);
  EXPECT_EQ(overlong, 4096u * 65536u);
}

}  // namespace
}  // namespace hurdle
