// `hurdle mcp`: the MCP server (mcp/mcp_server.hpp) with hurdle's tools (mcp/hurdle_tools.hpp)
// on stdin and stdout, for an agent's client to start; logs go to stderr.
#pragma once

#include <CLI/CLI.hpp>

namespace hurdle::cli {

class McpCommand {
 public:
  explicit McpCommand(CLI::App& app);
  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  int run();

 private:
  CLI::App* command_ = nullptr;
};

}  // namespace hurdle::cli
