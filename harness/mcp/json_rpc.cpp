#include "mcp/json_rpc.hpp"

namespace hurdle::mcp {

using Json = nlohmann::json;

ParsedLine parse_line(std::string_view line) {
  ParsedLine out;
  Json json = Json::parse(line, nullptr, false);
  if (json.is_discarded()) {
    out.error = RpcError{kParseError, "Parse error: the line is not JSON"};
    return out;
  }
  if (json.is_array()) {
    out.error = RpcError{kInvalidRequest, "Invalid Request: batches are not supported"};
    return out;
  }
  if (!json.is_object()) {
    out.error = RpcError{kInvalidRequest, "Invalid Request: a message is a JSON object"};
    return out;
  }
  const bool has_id = json.contains("id");
  if (has_id) {
    const Json& id = json["id"];
    if (id.is_string() || id.is_number_integer()) out.id = id;
  }
  if (json.value("jsonrpc", Json()) != "2.0") {
    out.error = RpcError{kInvalidRequest, "Invalid Request: \"jsonrpc\" must be \"2.0\""};
    return out;
  }
  if (has_id && !(json["id"].is_string() || json["id"].is_number_integer())) {
    out.error = RpcError{kInvalidRequest, "Invalid Request: \"id\" must be a string or an integer"};
    return out;
  }
  RpcMessage m;
  if (!json.contains("method")) {
    if (has_id && (json.contains("result") || json.contains("error"))) {
      m.kind = RpcMessage::Kind::kResponse;
      m.id = json["id"];
      out.message = m;
      return out;
    }
    out.error = RpcError{kInvalidRequest, "Invalid Request: no \"method\""};
    return out;
  }
  if (!json["method"].is_string()) {
    out.error = RpcError{kInvalidRequest, "Invalid Request: \"method\" must be a string"};
    return out;
  }
  m.method = json["method"].get<std::string>();
  if (json.contains("params")) {
    if (!json["params"].is_object()) {
      out.error = RpcError{kInvalidParams, "Invalid params: \"params\" must be an object"};
      return out;
    }
    m.params = json["params"];
  }
  m.kind = has_id ? RpcMessage::Kind::kRequest : RpcMessage::Kind::kNotification;
  if (has_id) m.id = json["id"];
  out.message = m;
  return out;
}

Json result_reply(const Json& id, const Json& result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", result}};
}

Json error_reply(const Json& id, const RpcError& error) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"error", {{"code", error.code}, {"message", error.message}}}};
}

Json notification(const std::string& method, const Json& params) {
  return {{"jsonrpc", "2.0"}, {"method", method}, {"params", params}};
}

}  // namespace hurdle::mcp
