#include "mcp/mcp_server.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.hpp"
#include "core/line_buffer.hpp"
#include "core/safe_text.hpp"
#include "mcp/tool_arguments.hpp"

namespace hurdle::mcp {

using Json = nlohmann::json;

namespace {

constexpr std::size_t kMaxMessage = 16 * 1024 * 1024;

}  // namespace

struct McpServer::Call : ToolCall {
  McpServer* server = nullptr;
  Json id;
  Json progress_token;  // null: the client did not ask for progress
  std::atomic<bool> cancel{false};
  std::atomic<bool> done{false};

  void progress(double so_far, std::optional<double> total, const std::string& message) override {
    if (progress_token.is_null()) return;
    Json params = {{"progressToken", progress_token}, {"progress", so_far}};
    if (total) params["total"] = *total;
    if (!message.empty()) params["message"] = safe_text(message);
    server->send(notification("notifications/progress", params));
  }
  [[nodiscard]] bool cancelled() const override { return cancel; }
};

const std::vector<std::string>& McpServer::protocol_versions() {
  static const std::vector<std::string> versions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                    "2024-11-05"};
  return versions;
}

McpServer::McpServer(std::vector<Tool> tools, std::string name, std::string version)
    : tools_(std::move(tools)), name_(std::move(name)), version_(std::move(version)) {}

McpServer::~McpServer() {
  for (auto& [call, thread] : calls_)
    if (thread.joinable()) thread.join();
}

void McpServer::send(const Json& message) {
  // dump() escapes every control byte: a message never spans lines, whatever a guest printed.
  const std::string line = message.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::lock_guard lock(out_mutex_);
  *out_ << line << '\n' << std::flush;
}

Json McpServer::initialize(const Json& params) {
  const std::string asked = params.value("protocolVersion", std::string());
  const auto& versions = protocol_versions();
  // The client's version when this server speaks it, else this server's newest: the client
  // then decides whether it can go on.
  const bool known = std::find(versions.begin(), versions.end(), asked) != versions.end();
  return {{"protocolVersion", known ? asked : versions.front()},
          {"capabilities", {{"tools", {{"listChanged", false}}}}},
          {"serverInfo", {{"name", name_}, {"title", "hurdle"}, {"version", version_}}},
          {"instructions",
           "hurdle starts and drives QEMU virtual machines for testing guest operating systems "
           "(Debian GNU/Hurd first): start a VM with vm_start, then run commands with ssh_run, "
           "type on its serial console with console_send and wait for output with "
           "console_expect, snapshot and roll back, and run YAML test suites with run_suite. "
           "Stop VMs with vm_stop when done."}};
}

Json McpServer::list_tools() const {
  Json tools = Json::array();
  for (const auto& t : tools_) {
    Json tool = {{"name", t.name},
                 {"title", t.title},
                 {"description", t.description},
                 {"inputSchema", t.input_schema}};
    if (!t.output_schema.is_null()) tool["outputSchema"] = t.output_schema;
    if (!t.annotations.empty()) tool["annotations"] = t.annotations;
    tools.push_back(tool);
  }
  return {{"tools", tools}};
}

void McpServer::reap_finished() {
  for (auto it = calls_.begin(); it != calls_.end();) {
    if (it->first->done) {
      it->second.join();
      it = calls_.erase(it);
    } else {
      ++it;
    }
  }
}

void McpServer::start_call(const RpcMessage& message) {
  const std::string tool_name = message.params.value("name", Json()).is_string()
                                    ? message.params["name"].get<std::string>()
                                    : std::string();
  const auto tool = std::find_if(tools_.begin(), tools_.end(),
                                 [&](const Tool& t) { return t.name == tool_name; });
  if (tool == tools_.end()) {
    std::string names;
    for (const auto& t : tools_) names += (names.empty() ? "" : ", ") + t.name;
    send(error_reply(message.id, {kInvalidParams, "Unknown tool: '" + safe_line(tool_name) +
                                                      "' (this server has: " + names + ")"}));
    return;
  }
  auto call = std::make_shared<Call>();
  call->server = this;
  call->id = message.id;
  if (message.params.contains("_meta"))
    call->progress_token = message.params["_meta"].value("progressToken", Json());
  const Json arguments = message.params.value("arguments", Json::object());
  reap_finished();
  calls_.emplace_back(
      call, std::thread([this, call, tool, arguments]() {
        Json result;
        try {
          check_arguments(tool->input_schema, arguments);
          ToolResult r = tool->run(arguments, *call);
          Json content = r.content;
          // Structured content, and the same as text for clients that read only content.
          if (content.empty())
            content.push_back(
                {{"type", "text"},
                 {"text", r.structured.dump(2, ' ', false, Json::error_handler_t::replace)}});
          result = {{"content", content}, {"structuredContent", r.structured}, {"isError", false}};
        } catch (const std::exception& e) {
          // The tool failed (a bad argument, a guest that did not answer): an error the model
          // reads and can act on, not a protocol error.
          const auto* error = dynamic_cast<const Error*>(&e);
          const std::string kind = error != nullptr ? error->kind() : "Error";
          result = {
              {"content",
               Json::array({{{"type", "text"}, {"text", kind + ": " + safe_text(e.what())}}})},
              {"isError", true}};
        }
        // A cancelled request gets no answer (the client has forgotten it).
        if (!call->cancelled()) send(result_reply(call->id, result));
        call->done = true;
      }));
}

void McpServer::handle(const RpcMessage& message) {
  using Kind = RpcMessage::Kind;
  if (message.kind == Kind::kResponse) return;  // this server sends no requests
  if (message.kind == Kind::kNotification) {
    if (message.method == "notifications/cancelled") {
      const Json id = message.params.value("requestId", Json());
      for (auto& [call, thread] : calls_)
        if (call->id == id) call->cancel = true;
    }
    return;  // notifications/initialized and the rest: nothing to answer
  }
  if (message.method == "initialize") {
    send(result_reply(message.id, initialize(message.params)));
  } else if (message.method == "ping") {
    send(result_reply(message.id, Json::object()));
  } else if (message.method == "tools/list") {
    send(result_reply(message.id, list_tools()));
  } else if (message.method == "tools/call") {
    start_call(message);
  } else {
    send(error_reply(message.id,
                     {kMethodNotFound, "Method not found: '" + safe_line(message.method) + "'"}));
  }
}

void McpServer::serve(int in_fd, std::ostream& out) {
  out_ = &out;
  LineBuffer lines(kMaxMessage);
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(in_fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    lines.feed(
        std::string_view(buffer, static_cast<std::size_t>(n)),
        [this](std::string_view line) {
          if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
          const ParsedLine parsed = parse_line(line);
          if (parsed.error) {
            send(error_reply(parsed.id, *parsed.error));
            return;
          }
          try {
            handle(*parsed.message);
          } catch (const std::exception& e) {
            if (parsed.message->kind == RpcMessage::Kind::kRequest)
              send(error_reply(parsed.message->id,
                               {kInternalError, std::string("Internal error: ") + e.what()}));
          }
        },
        [this](std::size_t length) {
          send(error_reply(
              Json(), {kInvalidRequest, "Invalid Request: a message of " + std::to_string(length) +
                                            " bytes is more than this server takes"}));
        });
  }
  for (auto& [call, thread] : calls_)
    if (thread.joinable()) thread.join();
  calls_.clear();
}

}  // namespace hurdle::mcp
