#include "core/json_fields.hpp"

#include "core/error.hpp"
#include "core/safe_text.hpp"

namespace hurdle {

JsonFields::JsonFields(const nlohmann::json& object, std::string source)
    : object_(object), source_(std::move(source)) {
  if (!object_.is_object())
    throw ConfigError({}, source_ + ": expected a JSON object, found " + object_.type_name());
}

const nlohmann::json* JsonFields::field(const char* name) {
  read_.insert(name);
  const auto it = object_.find(name);
  return it == object_.end() ? nullptr : &*it;
}

void JsonFields::wrong(const char* name, const std::string& expected) const {
  throw ConfigError({}, source_ + ": field '" + name + "': expected " + expected + ", found " +
                            object_.at(name).type_name());
}

void JsonFields::read(const char* name, std::string& into) {
  const nlohmann::json* v = field(name);
  if (v == nullptr) return;
  if (!v->is_string()) wrong(name, "a string");
  into = v->get<std::string>();
}

void JsonFields::read(const char* name, std::filesystem::path& into) {
  std::string text = into.string();
  read(name, text);
  into = text;
}

void JsonFields::read(const char* name, bool& into) {
  const nlohmann::json* v = field(name);
  if (v == nullptr) return;
  if (!v->is_boolean()) wrong(name, "true or false");
  into = v->get<bool>();
}

void JsonFields::read_integer(const char* name, std::int64_t& into, std::int64_t low,
                              std::int64_t high) {
  const nlohmann::json* v = field(name);
  if (v == nullptr) return;
  const std::string range =
      "a whole number from " + std::to_string(low) + " to " + std::to_string(high);
  if (!v->is_number_integer()) wrong(name, range);
  if (v->is_number_unsigned() ? v->get<std::uint64_t>() > static_cast<std::uint64_t>(high)
                              : (v->get<std::int64_t>() < low || v->get<std::int64_t>() > high))
    throw ConfigError(
        {}, source_ + ": field '" + name + "': expected " + range + ", found " + v->dump());
  into = v->get<std::int64_t>();
}

void JsonFields::read(const char* name, int& into) {
  std::int64_t value = into;
  read_integer(name, value, INT32_MIN, INT32_MAX);
  into = static_cast<int>(value);
}

void JsonFields::read(const char* name, std::uint32_t& into) {
  std::int64_t value = into;
  read_integer(name, value, 0, UINT32_MAX);
  into = static_cast<std::uint32_t>(value);
}

void JsonFields::read(const char* name, double& into) {
  const nlohmann::json* v = field(name);
  if (v == nullptr) return;
  if (!v->is_number()) wrong(name, "a number");
  into = v->get<double>();
}

void JsonFields::read(const char* name, std::vector<std::string>& into) {
  const nlohmann::json* v = field(name);
  if (v == nullptr) return;
  if (!v->is_array()) wrong(name, "an array of strings");
  std::vector<std::string> values;
  for (const auto& item : *v) {
    if (!item.is_string())
      throw ConfigError({}, source_ + ": field '" + name +
                                "': expected an array of strings, "
                                "found an item that is " +
                                item.type_name());
    values.push_back(item.get<std::string>());
  }
  into = std::move(values);
}

const nlohmann::json* JsonFields::object(const char* name) {
  const nlohmann::json* v = field(name);
  if (v != nullptr && !v->is_object()) wrong(name, "an object");
  return v;
}

void JsonFields::done() const {
  for (const auto& [key, value] : object_.items())
    if (read_.count(key) == 0)
      throw ConfigError(
          {}, source_ + ": field '" + safe_line(key.substr(0, 80)) + "' is not one it takes");
}

}  // namespace hurdle
