#include "cli/mcp_command.hpp"

#include <signal.h>
#include <unistd.h>

#include <iostream>

#include "core/version.hpp"
#include "mcp/hurdle_tools.hpp"
#include "vm/vm_launcher.hpp"

namespace hurdle::cli {

McpCommand::McpCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "mcp",
      "An MCP server on stdin/stdout (for an agent): start, snapshot and stop VMs, drive their "
      "console and SSH, run suites; e.g. {\"command\": \"hurdle\", \"args\": [\"mcp\"]}");
}

int McpCommand::run() {
  ::signal(SIGPIPE, SIG_IGN);  // a client that went away: writes fail, the server ends
  mcp::McpServer server(mcp::hurdle_tools(this_program()), "hurdle", kVersion);
  server.serve(STDIN_FILENO, std::cout);
  return 0;
}

}  // namespace hurdle::cli
