// docs/api.md's vocabulary table ("One vocabulary: YAML, C++, `hurdle vm` and MCP") against
// what hurdle answers to: every step keyword of the registry (aliases included), every
// subcommand `hurdle vm --help` and `hurdle vm snapshot --help` list, and every tool of the MCP
// server must be in its column. A step, subcommand or tool added without its line fails here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <re2/re2.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mcp/hurdle_tools.hpp"
#include "suite/step_table.hpp"
#include "support/hurdle_command.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"

namespace hurdle {
namespace {

// The table's cells, column by column (YAML, C++, hurdle vm, MCP after the first).
struct Table {
  std::vector<std::string> yaml, cxx, vm, mcp;
};

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool in_code = false;
  for (std::size_t i = 1; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '`') in_code = !in_code;
    if (c == '|' && !in_code) {
      cells.push_back(cell);
      cell.clear();
    } else {
      cell += c;
    }
  }
  return cells;
}

Table vocabulary_table() {
  const std::string doc = test::read_file(test::source_dir() / "docs/api.md");
  const auto start = doc.find("## One vocabulary");
  EXPECT_NE(start, std::string::npos) << "docs/api.md has no vocabulary section";
  std::istringstream lines(doc.substr(start, doc.find("\n## ", start + 1) - start));
  Table t;
  int rows = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| ", 0) != 0 || line.rfind("| what", 0) == 0) continue;
    const auto cells = cells_of(line);
    EXPECT_EQ(cells.size(), 5u) << line;
    if (cells.size() != 5) continue;
    t.yaml.push_back(cells[1]);
    t.cxx.push_back(cells[2]);
    t.vm.push_back(cells[3]);
    t.mcp.push_back(cells[4]);
    ++rows;
  }
  EXPECT_GT(rows, 10);
  return t;
}

// The words in backquotes of a column (each cell's `word` and `word more` as written).
std::set<std::string> words_in(const std::vector<std::string>& column) {
  std::set<std::string> words;
  for (const auto& cell : column) {
    re2::StringPiece in(cell);
    std::string word;
    while (RE2::FindAndConsume(&in, R"(`([^`]+)`)", &word)) words.insert(word);
  }
  return words;
}

// A subcommand list as CLI11 prints it under "Subcommands:".
std::vector<std::string> subcommands_of(const std::vector<std::string>& args) {
  const auto [status, out] = test::hurdle_command(args);
  EXPECT_EQ(status, 0) << out;
  std::vector<std::string> names;
  std::istringstream lines(out.substr(out.find("Subcommands:")));
  for (std::string line; std::getline(lines, line);) {
    std::string name;
    if (RE2::PartialMatch(line, R"(^  ([^\s,]+)[\s,])", &name)) names.push_back(name);
  }
  EXPECT_FALSE(names.empty()) << out;
  return names;
}

TEST(Vocabulary, EveryStepKeywordIsInTheTable) {
  const auto yaml = words_in(vocabulary_table().yaml);
  for (const auto& keyword : step_keywords()) EXPECT_EQ(yaml.count(keyword), 1u) << keyword;
}

TEST(Vocabulary, EveryHurdleVmSubcommandIsInTheTable) {
  const auto vm = words_in(vocabulary_table().vm);
  for (const auto& name : subcommands_of({"vm", "--help"}))
    EXPECT_TRUE(vm.count(name) == 1 || vm.count(name + " --login") == 1 ||
                std::any_of(vm.begin(), vm.end(),
                            [&](const std::string& w) { return w.rfind(name + " ", 0) == 0; }))
        << "hurdle vm " << name;
  for (const auto& name : subcommands_of({"vm", "snapshot", "--help"}))
    EXPECT_EQ(vm.count("snapshot " + name), 1u) << "hurdle vm snapshot " << name;
}

TEST(Vocabulary, EveryMcpToolIsInTheTable) {
  const auto mcp = words_in(vocabulary_table().mcp);
  const auto tools = mcp::hurdle_tools(test::hurdle_program());
  for (const auto& tool : tools) EXPECT_EQ(mcp.count(tool.name), 1u) << tool.name;
  // And nothing in the column that the server does not have.
  std::set<std::string> names;
  for (const auto& tool : tools) names.insert(tool.name);
  for (const auto& word : mcp) {
    if (word.find(' ') == std::string::npos && word.find(':') == std::string::npos) {
      EXPECT_EQ(names.count(word), 1u) << "the table names MCP tool " << word;
    }
  }
}

// The snapshot words are one set across the four columns.
TEST(Vocabulary, SnapshotsHaveOneSetOfWords) {
  const Table t = vocabulary_table();
  std::size_t row = 0;
  while (row < t.yaml.size() && t.yaml[row].find("snapshot.save") == std::string::npos) ++row;
  ASSERT_LT(row, t.yaml.size());
  for (const char* verb : {"save", "restore", "delete"}) {
    EXPECT_THAT(t.yaml[row], ::testing::HasSubstr(std::string("snapshot.") + verb));
    EXPECT_THAT(t.vm[row], ::testing::HasSubstr(std::string("snapshot ") + verb));
    EXPECT_THAT(t.mcp[row], ::testing::HasSubstr(std::string("snapshot_") + verb));
  }
}

}  // namespace
}  // namespace hurdle
