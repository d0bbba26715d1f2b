// An MCP server over stdio (the Model Context Protocol, JSON-RPC 2.0, one message per line):
// `initialize` with version negotiation, `ping`, `tools/list`, `tools/call`, and the
// notifications (`initialized`, `cancelled`; `progress` sent for long tools). Each tool call
// runs on a thread of its own, so that a ping or a second call is answered meanwhile; every
// line written to stdout is one whole message (one writer lock), and nothing else goes there.
// The tools are given (mcp/hurdle_tools.hpp); this file knows only the protocol.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/json_rpc.hpp"

namespace hurdle::mcp {

// What a running tool may do besides returning: say how far it is (a progress notification,
// when the client asked for them) and see whether the client cancelled it.
class ToolCall {
 public:
  virtual ~ToolCall() = default;
  virtual void progress(double done, std::optional<double> total, const std::string& message) = 0;
  [[nodiscard]] virtual bool cancelled() const = 0;
};

// A tool's answer: structured content (matching its output schema), and the blocks a model
// reads (the JSON as text when empty; an image for a screenshot).
struct ToolResult {
  nlohmann::json structured = nlohmann::json::object();
  nlohmann::json content = nlohmann::json::array();
};

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  nlohmann::json input_schema;
  nlohmann::json output_schema;
  nlohmann::json annotations = nlohmann::json::object();
  // Throws: hurdle::Error and its kinds become a tool error (isError) with the text.
  std::function<ToolResult(const nlohmann::json& arguments, ToolCall& call)> run;
};

class McpServer {
 public:
  McpServer(std::vector<Tool> tools, std::string name, std::string version);
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  // Serves until `in` ends (the client closed stdin); waits for the calls in progress.
  void serve(int in_fd, std::ostream& out);

  // The protocol versions this server speaks, newest first.
  static const std::vector<std::string>& protocol_versions();

 private:
  struct Call;
  void handle(const RpcMessage& message);
  nlohmann::json initialize(const nlohmann::json& params);
  nlohmann::json list_tools() const;
  void start_call(const RpcMessage& message);
  void send(const nlohmann::json& message);
  void reap_finished();

  std::vector<Tool> tools_;
  std::string name_;
  std::string version_;
  std::ostream* out_ = nullptr;
  std::mutex out_mutex_;
  // The calls in progress and their threads, touched by the reading thread alone (it starts
  // calls, cancels them, and joins those done when the next one starts).
  std::vector<std::pair<std::shared_ptr<Call>, std::thread>> calls_;
};

}  // namespace hurdle::mcp
