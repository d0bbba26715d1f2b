// JSON-RPC 2.0 as MCP's stdio transport carries it: one message per line. What a line is
// (request, notification, response, or invalid, with the error code the specification gives),
// and the replies. The MCP server (mcp_server.hpp) is its one user.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hurdle::mcp {

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

// A JSON-RPC error to answer a request with.
struct RpcError {
  int code = kInternalError;
  std::string message;
};

struct RpcMessage {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  nlohmann::json id;  // a string or an integer (requests and responses)
  std::string method;
  nlohmann::json params = nlohmann::json::object();
};

// Reads one line; an error (with the id, when one could be read) for what is no JSON-RPC 2.0
// message: not JSON (parse error), a batch (MCP sends none since 2025-06-18), no "jsonrpc":
// "2.0", no method, an id that is neither a string nor an integer, params that are no object.
struct ParsedLine {
  std::optional<RpcMessage> message;
  std::optional<RpcError> error;
  nlohmann::json id;  // for the error's reply: null when unknown
};
ParsedLine parse_line(std::string_view line);

nlohmann::json result_reply(const nlohmann::json& id, const nlohmann::json& result);
nlohmann::json error_reply(const nlohmann::json& id, const RpcError& error);
nlohmann::json notification(const std::string& method, const nlohmann::json& params);

}  // namespace hurdle::mcp
