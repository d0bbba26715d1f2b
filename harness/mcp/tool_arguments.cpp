#include "mcp/tool_arguments.hpp"

#include "core/safe_text.hpp"

namespace hurdle::mcp {

using Json = nlohmann::json;

namespace {

std::string shown(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return safe_line(text);
}

bool has_type(const Json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  return false;
}

std::string a_or_an(const std::string& type) {
  return (type == "integer" || type == "array" || type == "object" ? "an " : "a ") + type;
}

void check_value(const std::string& name, const Json& schema, const Json& value) {
  const std::string type = schema.value("type", std::string());
  if (!type.empty() && !has_type(value, type))
    throw ToolArgumentError("argument '" + name + "': expected " + a_or_an(type) + ", got " +
                            shown(value));
  if (schema.contains("enum")) {
    bool found = false;
    std::string choices;
    for (const auto& choice : schema["enum"]) {
      found = found || choice == value;
      choices += (choices.empty() ? "" : ", ") + choice.dump();
    }
    if (!found)
      throw ToolArgumentError("argument '" + name + "': expected one of " + choices + ", got " +
                              shown(value));
  }
  if (value.is_number()) {
    if (schema.contains("minimum") && value.get<double>() < schema["minimum"].get<double>())
      throw ToolArgumentError("argument '" + name + "': at least " + schema["minimum"].dump() +
                              ", got " + shown(value));
    if (schema.contains("maximum") && value.get<double>() > schema["maximum"].get<double>())
      throw ToolArgumentError("argument '" + name + "': at most " + schema["maximum"].dump() +
                              ", got " + shown(value));
  }
  if (value.is_string() && schema.contains("minLength") &&
      value.get<std::string>().size() < schema["minLength"].get<std::size_t>())
    throw ToolArgumentError("argument '" + name + "': must not be empty");
  if (value.is_array() && schema.contains("items")) {
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<std::size_t>())
      throw ToolArgumentError("argument '" + name + "': at least " + schema["minItems"].dump() +
                              " item(s)");
    for (std::size_t i = 0; i < value.size(); ++i)
      check_value(name + "[" + std::to_string(i) + "]", schema["items"], value[i]);
  }
}

}  // namespace

void check_arguments(const Json& schema, const Json& arguments) {
  if (!arguments.is_object())
    throw ToolArgumentError("arguments: expected an object, got " + shown(arguments));
  const Json properties = schema.value("properties", Json::object());
  std::string takes;
  for (const auto& [name, _] : properties.items()) takes += (takes.empty() ? "" : ", ") + name;
  for (const auto& [name, value] : arguments.items()) {
    if (!properties.contains(name))
      throw ToolArgumentError(
          "argument '" + safe_line(name) +
          "' is not one this tool takes (it takes: " + (takes.empty() ? "none" : takes) + ")");
    check_value(name, properties[name], value);
  }
  for (const auto& required : schema.value("required", Json::array()))
    if (!arguments.contains(required.get<std::string>()))
      throw ToolArgumentError("argument '" + required.get<std::string>() + "' is required");
}

}  // namespace hurdle::mcp
